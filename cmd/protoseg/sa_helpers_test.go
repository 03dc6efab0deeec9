package main

import "github.com/protoseg-go/protoseg-go/data"

// stackChannels and minMaxChannels are the names the sa tests use for the data
// package's channel stacking and per-channel min-max scaling, which the sa
// command uses.
func stackChannels(a, b *data.Image) *data.Image { return data.StackChannels(a, b) }

func minMaxChannels(img *data.Image) []float64 { return data.MinMaxChannels(img) }
