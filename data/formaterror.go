package data

import "fmt"

// FileFormat names one of the file formats the package decodes byte by byte.
type FileFormat string

// The file formats a [FormatError] can name.
const (
	// FormatNIfTI is a NIfTI-1 volume (.nii, .nii.gz).
	FormatNIfTI FileFormat = "NIfTI"
	// FormatNPY is a NumPy array (.npy) or an .npz archive of them.
	FormatNPY FileFormat = "NPY"
)

// A FormatError reports that a file is not valid in its format: truncated,
// corrupt, or using a feature the reader does not support. It names the file.
// A FormatError of [FormatNPY] also matches [ErrNPY] under errors.Is.
type FormatError struct {
	// Format is the file's format.
	Format FileFormat
	// File names the file (a path, or an .npz archive and its member).
	File string
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error (an I/O or gzip error), or nil.
	Err error
}

// formatErrorf returns a FormatError whose message is fmt.Sprintf(format, args...).
func formatErrorf(f FileFormat, file string, cause error, format string, args ...any) *FormatError {
	return &FormatError{Format: f, File: file, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// Error returns "data: NIfTI <file>: <msg>[: <err>]" for NIfTI and
// "<file>: data: not a readable NumPy array: <msg>[: <err>]" for NPY (the text
// of [ErrNPY] in the middle, as the NumPy readers have always written it).
func (e *FormatError) Error() string {
	s := "data: " + string(e.Format) + " " + e.File + ": " + e.Msg
	if e.Format == FormatNPY {
		s = e.File + ": " + ErrNPY.Error() + ": " + e.Msg
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the underlying error and, for NPY, [ErrNPY].
func (e *FormatError) Unwrap() []error {
	var errs []error
	if e.Format == FormatNPY {
		errs = append(errs, ErrNPY)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}
