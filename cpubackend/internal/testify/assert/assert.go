// Package assert is a minimal stand-in for github.com/stretchr/testify/assert,
// covering what the simplego fork's tests use (the module is not a dependency
// of this project).
package assert

import (
	"fmt"
	"math"
	"reflect"
)

// TestingT is the subset of testing.TB used here.
type TestingT interface {
	Errorf(format string, args ...any)
	Helper()
}

func msg(msgAndArgs []any) string {
	if len(msgAndArgs) == 0 {
		return ""
	}
	if f, ok := msgAndArgs[0].(string); ok {
		return ": " + fmt.Sprintf(f, msgAndArgs[1:]...)
	}
	return ": " + fmt.Sprint(msgAndArgs...)
}

// ObjectsAreEqual reports whether expected and actual are deeply equal.
func ObjectsAreEqual(expected, actual any) bool {
	if expected == nil || actual == nil {
		return expected == actual
	}
	return reflect.DeepEqual(expected, actual)
}

// Equal checks that expected and actual are deeply equal.
func Equal(t TestingT, expected, actual any, msgAndArgs ...any) bool {
	t.Helper()
	if !ObjectsAreEqual(expected, actual) {
		t.Errorf("not equal:\nexpected: %#v\nactual:   %#v%s", expected, actual, msg(msgAndArgs))
		return false
	}
	return true
}

func toFloat(x any) (float64, bool) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	if s, ok := x.(fmt.Stringer); ok { // e.g. bfloat16, float16
		var f float64
		if _, err := fmt.Sscan(s.String(), &f); err == nil {
			return f, true
		}
	}
	return 0, false
}

// InDelta checks that two numbers are within delta of each other.
func InDelta(t TestingT, expected, actual any, delta float64, msgAndArgs ...any) bool {
	t.Helper()
	e, ok1 := toFloat(expected)
	a, ok2 := toFloat(actual)
	if !ok1 || !ok2 || math.IsNaN(a) != math.IsNaN(e) || (!math.IsNaN(e) && math.Abs(e-a) > delta) {
		t.Errorf("not within %g: expected %v, actual %v%s", delta, expected, actual, msg(msgAndArgs))
		return false
	}
	return true
}

// NoError checks that err is nil.
func NoError(t TestingT, err error, msgAndArgs ...any) bool {
	t.Helper()
	if err != nil {
		t.Errorf("unexpected error: %+v%s", err, msg(msgAndArgs))
		return false
	}
	return true
}

// True checks that v is true.
func True(t TestingT, v bool, msgAndArgs ...any) bool {
	t.Helper()
	if !v {
		t.Errorf("should be true%s", msg(msgAndArgs))
	}
	return v
}

// Nil checks that x is nil.
func Nil(t TestingT, x any, msgAndArgs ...any) bool {
	t.Helper()
	if x != nil && !(reflect.ValueOf(x).Kind() == reflect.Pointer && reflect.ValueOf(x).IsNil()) {
		t.Errorf("expected nil, got %v%s", x, msg(msgAndArgs))
		return false
	}
	return true
}

// NotNil checks that x is not nil.
func NotNil(t TestingT, x any, msgAndArgs ...any) bool {
	t.Helper()
	if x == nil || (reflect.ValueOf(x).Kind() == reflect.Pointer && reflect.ValueOf(x).IsNil()) {
		t.Errorf("expected not nil%s", msg(msgAndArgs))
		return false
	}
	return true
}

// Len checks the length of x.
func Len(t TestingT, x any, n int, msgAndArgs ...any) bool {
	t.Helper()
	if l := reflect.ValueOf(x).Len(); l != n {
		t.Errorf("length %d, expected %d%s", l, n, msg(msgAndArgs))
		return false
	}
	return true
}

func didPanic(fn func()) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	fn()
	return false
}

// Panics checks that fn panics.
func Panics(t TestingT, fn func(), msgAndArgs ...any) bool {
	t.Helper()
	if !didPanic(fn) {
		t.Errorf("should panic%s", msg(msgAndArgs))
		return false
	}
	return true
}

// NotPanics checks that fn does not panic.
func NotPanics(t TestingT, fn func(), msgAndArgs ...any) bool {
	t.Helper()
	if didPanic(fn) {
		t.Errorf("should not panic%s", msg(msgAndArgs))
		return false
	}
	return true
}
