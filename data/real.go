package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CT windows (Hounsfield units) mapped to [0,1].
var (
	// LungWindow is used for COVID-19 CT: [-1000, 400] HU shows lung parenchyma,
	// ground glass and consolidation.
	LungWindow = [2]float64{-1000, 400}
	// AbdomenWindow is used for pancreas CT: [-100, 240] HU (level 70, width 340).
	AbdomenWindow = [2]float64{-100, 240}
)

// skipName reports whether a directory entry is macOS metadata or hidden.
func skipName(name string) bool {
	return strings.HasPrefix(name, "._") || name == "__MACOSX" || name == ".DS_Store"
}

// niftiBase returns name without .nii or .nii.gz, and whether it had one.
func niftiBase(name string) (string, bool) {
	for _, ext := range []string{".nii.gz", ".nii"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return name[:len(name)-len(ext)], true
		}
	}
	return name, false
}

// walkFiles lists the regular files under root (recursively), skipping macOS
// metadata, sorted by path.
func walkFiles(root string) ([]string, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", root)
	}
	var files []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if skipName(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// volumeCase is one image/label pair of a volumetric dataset.
type volumeCase struct {
	// subject names the patient; when perSlice is true every slice is its own
	// subject (subject-k).
	subject  string
	perSlice bool
	// images has one 3D file per channel, or a single 4D file whose frames are
	// the channels.
	images []string
	label  string
}

// volumeConfig says how a volumetric dataset maps to samples.
type volumeConfig struct {
	name     string
	channels int
	// window maps CT values to [0,1]; nil means per-volume, per-channel robust
	// min–max (0.5th to 99.5th percentile), as for MR.
	window *[2]float64
	// byteRange: a volume whose values all lie in [0,255] is taken as already
	// windowed and divided by 255 (the radiopaedia cases of Ma et al.).
	byteRange bool
	// object maps a label value to object (true) or background.
	object func(v float32) bool
}

// loadVolumes turns volume cases into a dataset: axial slices, or whole
// volumes when opts.Depth > 1 ([loadVolumes3D]).
func loadVolumes(cfg volumeConfig, cases []volumeCase, opts Options) (*Dataset, error) {
	if opts.Depth > 1 {
		return loadVolumes3D(cfg, cases, opts)
	}
	size := opts.Size
	if size <= 0 {
		size = DefaultSize
	}
	d := &Dataset{Name: cfg.name, Channels: cfg.channels, Height: size, Width: size}
	var all []Sample
	for _, vc := range cases {
		samples, err := loadVolumeCase(cfg, vc, size, opts.KeepEmpty)
		if err != nil {
			return nil, err
		}
		all = append(all, samples...)
	}
	return splitSamples(d, all, opts)
}

// splitSamples fills d.Train and d.Test from samples, split by subject.
func splitSamples(d *Dataset, all []Sample, opts Options) (*Dataset, error) {
	seen := map[string]bool{}
	var ids []string
	for _, s := range all {
		if !seen[s.Subject] {
			seen[s.Subject] = true
			ids = append(ids, s.Subject)
		}
	}
	test, err := splitSubjects(ids, opts.TestFraction, opts.Seed)
	if err != nil {
		return nil, fmt.Errorf("data: %s: %w", d.Name, err)
	}
	for _, s := range all {
		if test[s.Subject] {
			d.Test = append(d.Test, s)
		} else {
			d.Train = append(d.Train, s)
		}
	}
	return d, nil
}

// chanSrc is one channel of a volume case: a volume and the frame holding it.
type chanSrc struct {
	vol   *Volume
	frame int
	path  string
}

// caseVolumes is one volume case read: its channels, their intensity maps and
// its label volume.
type caseVolumes struct {
	cfg  volumeConfig
	vc   volumeCase
	srcs []chanSrc
	maps []intensityMap
	lab  *Volume
}

// loadVolumeCase cuts one case into samples: its axial slices with object (all
// of them with keepEmpty), channels mapped to [0,1], resized to size×size.
func loadVolumeCase(cfg volumeConfig, vc volumeCase, size int, keepEmpty bool) ([]Sample, error) {
	cv := &caseVolumes{cfg: cfg, vc: vc}
	var err error
	if cv.srcs, err = readCaseChannels(cfg, vc); err != nil {
		return nil, err
	}
	if err := cv.readLabel(); err != nil {
		return nil, err
	}
	var out []Sample
	for k := range cv.lab.NumSlices() {
		s, ok, err := cv.sample(k, size, keepEmpty)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// readCaseChannels reads a case's channel volumes: the frames of one 4D file,
// or one 3D file per channel.
func readCaseChannels(cfg volumeConfig, vc volumeCase) ([]chanSrc, error) {
	var srcs []chanSrc
	if len(vc.images) == 1 && cfg.channels > 1 {
		v, err := ReadNIfTI(vc.images[0])
		if err != nil {
			return nil, err
		}
		if v.NumFrames() < cfg.channels {
			return nil, fmt.Errorf("data: %s: %s has dims %v, want a 4th axis of %d channels", cfg.name, vc.images[0], v.Dims, cfg.channels)
		}
		for c := range cfg.channels {
			srcs = append(srcs, chanSrc{v, c, vc.images[0]})
		}
		return srcs, nil
	}
	if len(vc.images) != cfg.channels {
		return nil, fmt.Errorf("data: %s: subject %s has %d image files, want %d", cfg.name, vc.subject, len(vc.images), cfg.channels)
	}
	for _, p := range vc.images {
		v, err := ReadNIfTI(p)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, chanSrc{v, 0, p})
	}
	return srcs, nil
}

// readLabel reads the case's label volume, checks that every channel volume has
// its size, and sets each channel's intensity map.
func (cv *caseVolumes) readLabel() error {
	cfg, vc := cv.cfg, cv.vc
	lab, err := ReadNIfTI(vc.label)
	if err != nil {
		return err
	}
	if len(lab.Dims) < 2 {
		return fmt.Errorf("data: %s: label %s has dims %v, want 3D", cfg.name, vc.label, lab.Dims)
	}
	ni, nj, nk := lab.Dims[0], lab.Dims[1], lab.NumSlices()
	cv.lab, cv.maps = lab, make([]intensityMap, len(cv.srcs))
	for c, s := range cv.srcs {
		if len(s.vol.Dims) < 2 || s.vol.Dims[0] != ni || s.vol.Dims[1] != nj || s.vol.NumSlices() != nk {
			return fmt.Errorf("data: %s: image %s has dims %v but label %s has %v", cfg.name, s.path, s.vol.Dims, vc.label, lab.Dims)
		}
		plane := ni * nj * nk
		cv.maps[c] = cfg.channelMap(s.vol.Data[s.frame*plane : (s.frame+1)*plane])
	}
	return nil
}

// channelMap returns the map of one channel's values to [0,1]: divided by 255
// for a byte-range volume where cfg allows it, cfg's CT window, or the robust
// range.
func (cfg volumeConfig) channelMap(values []float32) intensityMap {
	switch {
	case cfg.byteRange && inByteRange(values):
		return intensityMap{0, 255}
	case cfg.window != nil:
		return intensityMap{cfg.window[0], cfg.window[1]}
	}
	return robustRange(values)
}

// sample returns slice k as a sample resized to size×size, and false when it has
// no object and keepEmpty is not set.
func (cv *caseVolumes) sample(k, size int, keepEmpty bool) (Sample, bool, error) {
	cfg, vc := cv.cfg, cv.vc
	ls, err := cv.lab.Slice(k, 0)
	if err != nil {
		return Sample{}, false, fmt.Errorf("data: %s: label %s: %w", cfg.name, vc.label, err)
	}
	mask, objects := ObjectMask(ls, cfg.object)
	if objects == 0 && !keepEmpty {
		return Sample{}, false, nil
	}
	im, err := cv.image(k, ls.Height, ls.Width)
	if err != nil {
		return Sample{}, false, err
	}
	subject := vc.subject
	if vc.perSlice {
		subject = fmt.Sprintf("%s-%03d", vc.subject, k)
	}
	return Sample{
		Image:   resizeImage(im, size, size).Pix,
		Mask:    resizeMask(mask, ls.Height, ls.Width, size, size),
		Subject: subject,
		Slice:   k,
	}, true, nil
}

// image returns slice k (h×w) of every channel, mapped to [0,1], channels last.
func (cv *caseVolumes) image(k, h, w int) (*Image, error) {
	nc := cv.cfg.channels
	im := &Image{Height: h, Width: w, Channels: nc, Pix: make([]float32, h*w*nc)}
	for c, s := range cv.srcs {
		sl, err := s.vol.Slice(k, s.frame)
		if err != nil {
			return nil, fmt.Errorf("data: %s: %s: %w", cv.cfg.name, s.path, err)
		}
		for i, v := range sl.Pix {
			im.Pix[i*nc+c] = cv.maps[c].apply(v)
		}
	}
	return im, nil
}

func inByteRange(values []float32) bool {
	for _, v := range values {
		if !(v >= 0 && v <= 255) {
			return false
		}
	}
	return true
}

// loadBraTS reads BraTS 2018–2020: any folder under Root holding
// <id>_flair, <id>_t1, <id>_t1ce, <id>_t2 and <id>_seg (.nii or .nii.gz) is one
// subject (so HGG/LGG sub-folders and the 2020 layout both work). Channels are
// FLAIR, T1, T1ce, T2; labels 1, 2, 4 (whole tumour) are the object.
func loadBraTS(name string, opts Options) (*Dataset, error) {
	files, err := walkFiles(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("data: brats: %w (expected a folder of subject folders <id>/<id>_{flair,t1,t1ce,t2,seg}.nii.gz)", err)
	}
	byBase := map[string]string{}
	for _, f := range files {
		if b, ok := niftiBase(f); ok {
			byBase[b] = f
		}
	}
	var cases []volumeCase
	for _, f := range files {
		b, ok := niftiBase(f)
		if !ok || !strings.HasSuffix(b, "_seg") {
			continue
		}
		prefix := strings.TrimSuffix(b, "_seg")
		vc := volumeCase{subject: filepath.Base(prefix), label: f}
		for _, m := range []string{"_flair", "_t1", "_t1ce", "_t2"} {
			p, ok := byBase[prefix+m]
			if !ok {
				return nil, fmt.Errorf("data: brats: subject %s has %s but no %s%s.nii.gz", vc.subject, f, prefix, m)
			}
			vc.images = append(vc.images, p)
		}
		cases = append(cases, vc)
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("data: brats: no *_seg.nii.gz under %s (expected subject folders <id>/<id>_{flair,t1,t1ce,t2,seg}.nii.gz)", opts.Root)
	}
	return loadVolumes(volumeConfig{name: name, channels: 4, object: anyPositive}, cases, opts)
}

// msdCases lists the image/label pairs of a Medical Segmentation Decathlon task:
// Root/imagesTr/*.nii.gz with Root/labelsTr/<same name>, where Root may also be
// the folder holding the task folder (e.g. Task05_Prostate).
func msdCases(task, root string) ([]volumeCase, error) {
	dir := root
	if _, err := os.Stat(filepath.Join(dir, "imagesTr")); err != nil {
		alt := filepath.Join(root, task)
		if _, err2 := os.Stat(filepath.Join(alt, "imagesTr")); err2 != nil {
			return nil, fmt.Errorf("no imagesTr folder in %s or %s (expected the MSD layout %s/imagesTr/*.nii.gz and labelsTr/*.nii.gz)", root, alt, task)
		}
		dir = alt
	}
	entries, err := os.ReadDir(filepath.Join(dir, "imagesTr"))
	if err != nil {
		return nil, err
	}
	var cases []volumeCase
	for _, e := range entries {
		b, ok := niftiBase(e.Name())
		if !ok || skipName(e.Name()) || e.IsDir() {
			continue
		}
		label := filepath.Join(dir, "labelsTr", e.Name())
		if _, err := os.Stat(label); err != nil {
			return nil, fmt.Errorf("image %s has no label %s", filepath.Join(dir, "imagesTr", e.Name()), label)
		}
		cases = append(cases, volumeCase{subject: b, images: []string{filepath.Join(dir, "imagesTr", e.Name())}, label: label})
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("no .nii.gz files in %s", filepath.Join(dir, "imagesTr"))
	}
	return cases, nil
}

// loadProstate reads MSD Task05 Prostate: 4D images (T2, ADC as the 4th axis),
// labels 1 (peripheral zone) and 2 (transition zone) merged into the whole gland.
// MR channels are normalised per volume to their 0.5th–99.5th percentiles.
func loadProstate(name string, opts Options) (*Dataset, error) {
	cases, err := msdCases("Task05_Prostate", opts.Root)
	if err != nil {
		return nil, fmt.Errorf("data: prostate: %w", err)
	}
	return loadVolumes(volumeConfig{name: name, channels: 2, object: anyPositive}, cases, opts)
}

// loadPancreas reads MSD Task07 Pancreas: CT in AbdomenWindow, labels 1
// (pancreas) and 2 (mass) merged.
func loadPancreas(name string, opts Options) (*Dataset, error) {
	cases, err := msdCases("Task07_Pancreas", opts.Root)
	if err != nil {
		return nil, fmt.Errorf("data: pancreas: %w", err)
	}
	w := AbdomenWindow
	return loadVolumes(volumeConfig{name: name, channels: 1, window: &w, object: anyPositive}, cases, opts)
}

// covidKey normalises a file name of Ma et al.'s COVID-19-CT-Seg so that an
// image (coronacases_org_001, radiopaedia_org_covid-19-pneumonia-4_85506_1-dcm)
// and its mask (coronacases_001, radiopaedia_4_85506_1) get the same key.
func covidKey(base string) string {
	k := strings.ToLower(base)
	for _, s := range []string{"_org", "covid-19-pneumonia-", "-dcm"} {
		k = strings.ReplaceAll(k, s, "")
	}
	return k
}

// loadCOVID reads COVID-19 CT in either of two layouts, in LungWindow:
//
//   - medicalsegmentation.com: Root/tr_im.nii.gz and Root/tr_mask.nii.gz, 100
//     axial slices from about 40 patients with no patient ids, so every slice is
//     its own subject; labels 1 (ground glass) and 2 (consolidation) are the
//     object, 3 (pleural effusion) is background.
//   - Ma et al. 2020: Root/COVID-19-CT-Seg_20cases/*.nii.gz and
//     Root/Infection_Mask/*.nii.gz, matched by name; labels > 0 are the object.
//     Volumes whose values all lie in [0,255] (the radiopaedia cases, already
//     windowed) are divided by 255 instead.
func loadCOVID(name string, opts Options) (*Dataset, error) {
	root := opts.Root
	w := LungWindow
	for _, ext := range []string{".nii.gz", ".nii"} {
		im, mk := filepath.Join(root, "tr_im"+ext), filepath.Join(root, "tr_mask"+ext)
		if _, err := os.Stat(im); err == nil {
			if _, err := os.Stat(mk); err != nil {
				return nil, fmt.Errorf("data: covid: found %s but not %s", im, mk)
			}
			if opts.Depth > 1 {
				return nil, fmt.Errorf("data: covid: %s holds single slices of about 40 patients without patient ids, so it has no volumes for depth %d; use the Ma et al. 2020 layout (%s/ and %s/)",
					im, opts.Depth, filepath.Join(root, "COVID-19-CT-Seg_20cases"), filepath.Join(root, "Infection_Mask"))
			}
			cfg := volumeConfig{name: name, channels: 1, window: &w, object: func(v float32) bool { return v == 1 || v == 2 }}
			return loadVolumes(cfg, []volumeCase{{subject: "tr_im", perSlice: true, images: []string{im}, label: mk}}, opts)
		}
	}
	imDir, mkDir := filepath.Join(root, "COVID-19-CT-Seg_20cases"), filepath.Join(root, "Infection_Mask")
	imFiles, err1 := walkFiles(imDir)
	mkFiles, err2 := walkFiles(mkDir)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("data: covid: expected %s and %s (medicalsegmentation.com), or %s/ and %s/ (Ma et al. 2020): %w",
			filepath.Join(root, "tr_im.nii.gz"), filepath.Join(root, "tr_mask.nii.gz"), imDir, mkDir, err)
	}
	masks := map[string]string{}
	for _, f := range mkFiles {
		if b, ok := niftiBase(filepath.Base(f)); ok {
			masks[covidKey(b)] = f
		}
	}
	var cases []volumeCase
	for _, f := range imFiles {
		b, ok := niftiBase(filepath.Base(f))
		if !ok {
			continue
		}
		m, ok := masks[covidKey(b)]
		if !ok {
			return nil, fmt.Errorf("data: covid: image %s has no mask in %s", f, mkDir)
		}
		cases = append(cases, volumeCase{subject: covidKey(b), images: []string{f}, label: m})
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("data: covid: no .nii.gz images in %s", imDir)
	}
	return loadVolumes(volumeConfig{name: name, channels: 1, window: &w, byteRange: true, object: anyPositive}, cases, opts)
}

// loadISIC reads ISIC 2017 task 1: every <id>.jpg under Root (any sub-folder, e.g.
// ISIC-2017_Training_Data/) paired with <id>_segmentation.png anywhere under Root
// (e.g. ISIC-2017_Training_Part1_GroundTruth/). Each photo is its own subject;
// RGB is divided by 255 and photos are resized to Size×Size without keeping the
// aspect ratio (as the paper's pipeline). Photos without a mask are skipped.
func loadISIC(name string, opts Options) (*Dataset, error) {
	if opts.Depth > 1 {
		return nil, fmt.Errorf("data: isic: photos have no depth (Options.Depth %d); load isic in 2D", opts.Depth)
	}
	files, err := walkFiles(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("data: isic: %w (expected <id>.jpg and <id>_segmentation.png files)", err)
	}
	masks := map[string]string{}
	var photos []string
	for _, f := range files {
		base := filepath.Base(f)
		lower := strings.ToLower(base)
		switch {
		case strings.HasSuffix(lower, "_segmentation.png"):
			masks[base[:len(base)-len("_segmentation.png")]] = f
		case strings.HasSuffix(lower, ".jpg") || strings.HasSuffix(lower, ".jpeg"):
			photos = append(photos, f)
		}
	}
	size := opts.Size
	if size <= 0 {
		size = DefaultSize
	}
	d := &Dataset{Name: name, Channels: 3, Height: size, Width: size}
	var all []Sample
	for _, p := range photos {
		id := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
		mp, ok := masks[id]
		if !ok {
			continue
		}
		s, ok, err := isicSample(p, mp, size, opts.KeepEmpty)
		if err != nil {
			return nil, err
		}
		if ok {
			s.Subject = id
			all = append(all, s)
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("data: isic: no <id>.jpg with a matching <id>_segmentation.png under %s (found %d photos, %d masks)", opts.Root, len(photos), len(masks))
	}
	return splitSamples(d, all, opts)
}

// isicSample reads a photo and its mask as a sample resized to size×size: RGB
// divided by 255, object where the mask's first channel is above half its
// maximum. It returns false for a mask without object unless keepEmpty.
func isicSample(photo, maskPath string, size int, keepEmpty bool) (Sample, bool, error) {
	im, err := ReadImage(photo)
	if err != nil {
		return Sample{}, false, err
	}
	if im.Channels != 3 {
		return Sample{}, false, fmt.Errorf("data: isic: %s has %d channels, want RGB", photo, im.Channels)
	}
	mk, err := ReadImage(maskPath)
	if err != nil {
		return Sample{}, false, err
	}
	if mk.Height != im.Height || mk.Width != im.Width {
		return Sample{}, false, fmt.Errorf("data: isic: mask %s is %d×%d but photo %s is %d×%d", maskPath, mk.Height, mk.Width, photo, im.Height, im.Width)
	}
	var top float32
	for i := 0; i < len(mk.Pix); i += mk.Channels {
		top = max(top, mk.Pix[i])
	}
	mask := make([]uint8, mk.Height*mk.Width)
	found := false
	for i := range mask {
		if top > 0 && mk.Pix[i*mk.Channels] > top/2 {
			mask[i] = 1
			found = true
		}
	}
	if !found && !keepEmpty {
		return Sample{}, false, nil
	}
	for i := range im.Pix {
		im.Pix[i] /= 255
	}
	return Sample{Image: resizeImage(im, size, size).Pix, Mask: resizeMask(mask, mk.Height, mk.Width, size, size)}, true, nil
}
