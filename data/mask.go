package data

// anyPositive is the object rule "label > 0".
func anyPositive(v float32) bool { return v > 0 }

// ObjectRule returns the rule that makes a label value object: any value > 0 when
// label < 0, otherwise a value > 0 that rounds to label.
func ObjectRule(label int) func(v float32) bool {
	if label < 0 {
		return anyPositive
	}
	return func(v float32) bool { return int(v+0.5) == label && v > 0 }
}

// ObjectMask returns the binary mask of im (Height×Width values, 1 = object)
// where object holds for any channel of a pixel (a colour PNG counts as object
// where any channel does), and the number of object pixels.
func ObjectMask(im *Image, object func(v float32) bool) (mask []uint8, objects int) {
	mask = make([]uint8, im.Height*im.Width)
	for i := range mask {
		for _, v := range im.Pix[i*im.Channels : (i+1)*im.Channels] {
			if object(v) {
				mask[i] = 1
			}
		}
		if mask[i] == 1 {
			objects++
		}
	}
	return mask, objects
}
