// Copyright 2023-2025 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0 (see LICENSE).
// Fork of github.com/gomlx/gomlx/backends/simplego v0.26.0 by protoseg-go; the changes are listed in the package doc (doc.go).

package simplego

import (
	"fmt"
	"os"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"k8s.io/klog/v2"
)

var backend backends.Backend

func init() {
	klog.InitFlags(nil)
}

func setup() {
	var err error
	backend, err = New("")
	if err != nil {
		panic(err)
	}
	fmt.Printf("Backend: %s, %s\n", backend.Name(), backend.Description())
}

func teardown() {
	backend.Finalize()
}

func TestMain(m *testing.M) {
	setup()
	code := m.Run() // Run all tests in the file
	teardown()
	os.Exit(code)
}
