// Package require is a minimal stand-in for github.com/stretchr/testify/require:
// the assert checks, stopping the test on failure.
package require

import (
	"fmt"

	"github.com/protoseg-go/protoseg-go/cpubackend/internal/testify/assert"
)

// TestingT is the subset of testing.TB used here.
type TestingT interface {
	assert.TestingT
	FailNow()
}

func stop(t TestingT, ok bool) {
	if !ok {
		t.FailNow()
	}
}

// Equal: see assert.Equal.
func Equal(t TestingT, expected, actual any, msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.Equal(t, expected, actual, msgAndArgs...))
}

// Equalf: see assert.Equal.
func Equalf(t TestingT, expected, actual any, format string, args ...any) {
	t.Helper()
	stop(t, assert.Equal(t, expected, actual, fmt.Sprintf(format, args...)))
}

// InDelta: see assert.InDelta.
func InDelta(t TestingT, expected, actual any, delta float64, msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.InDelta(t, expected, actual, delta, msgAndArgs...))
}

// NoError: see assert.NoError.
func NoError(t TestingT, err error, msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.NoError(t, err, msgAndArgs...))
}

// NoErrorf: see assert.NoError.
func NoErrorf(t TestingT, err error, format string, args ...any) {
	t.Helper()
	stop(t, assert.NoError(t, err, fmt.Sprintf(format, args...)))
}

// True: see assert.True.
func True(t TestingT, v bool, msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.True(t, v, msgAndArgs...))
}

// Nil: see assert.Nil.
func Nil(t TestingT, x any, msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.Nil(t, x, msgAndArgs...))
}

// NotNil: see assert.NotNil.
func NotNil(t TestingT, x any, msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.NotNil(t, x, msgAndArgs...))
}

// Len: see assert.Len.
func Len(t TestingT, x any, n int, msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.Len(t, x, n, msgAndArgs...))
}

// Panics: see assert.Panics.
func Panics(t TestingT, fn func(), msgAndArgs ...any) {
	t.Helper()
	stop(t, assert.Panics(t, fn, msgAndArgs...))
}
