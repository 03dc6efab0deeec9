package data

import (
	"encoding/binary"
	"fmt"
	"hash/crc64"
	"math"
)

// fingerprintTable is the CRC-64 (ECMA) table of [Dataset.Fingerprint].
var fingerprintTable = crc64.MakeTable(crc64.ECMA)

// Fingerprint identifies the data of d: a CRC-64 over its name, shape and every
// train and test sample (image values, mask and subject), in order, as 16 hex
// digits (the shape includes Depth when the dataset is volumetric). Two datasets with the same fingerprint hold the same samples, so a
// model trained on one can be reused for the other; any change to a generator
// (or to a real dataset's files or options) changes it. Trained models
// (unet.Train) and cached results are keyed by it. Hashing the 200 images of a
// default stand-in takes about 10 ms.
func (d *Dataset) Fingerprint() string {
	head := fmt.Appendf(nil, "%s|%d|%d|%d|%d|%d", d.Name, d.Channels, d.Height, d.Width, len(d.Train), len(d.Test))
	if d.Volumetric() { // 2D datasets keep the fingerprints they had before volumes existed
		head = fmt.Appendf(head, "|depth %d", d.Depth)
	}
	sum := crc64.Update(0, fingerprintTable, head)
	var buf []byte
	for _, split := range [][]Sample{d.Train, d.Test} {
		for _, s := range split {
			buf = buf[:0]
			for _, v := range s.Image {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
			}
			buf = append(buf, s.Mask...)
			buf = fmt.Appendf(buf, "|%s|%d", s.Subject, s.Slice)
			sum = crc64.Update(sum, fingerprintTable, buf)
		}
	}
	return fmt.Sprintf("%016x", sum)
}
