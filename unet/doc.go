// Package unet is the U-Net the paper interprets (He et al. 2023, Fig. 4): 18
// convolution layers (3×3, BatchNorm, ReLU) with widths 64·(1,1,2,2,4,4,8,8,16,16,8,8,
// 4,4,2,2,1,1) scaled by Config.Base/64, 2×2 max-pooling between encoder blocks, 2×
// up-sampling with skip concatenation in the decoder, and a final 1×1 convolution to
// the classes. The model returns the logits and every layer's post-ReLU feature map
// (layer01…layer18), so training, analysis and notebooks read them by name.
//
// Layer groups (docs/design.md §2): early = 1–4, abstract = 5–14, late = 15–18.
//
// Layers are numbered 1…NumLayers, as in the paper, wherever a layer is a number
// (LayerName, GroupOf, Width, TrainConfig.Layers, the explorer's choice); a slice
// of per-layer values (features, SA) holds layer l at index l−1, so the entry
// at index i is layer i+1 (LayerName(i+1)).
//
// Choices, and why:
//   - Convolutions are written as im2col (nine shifted slices of the zero-padded
//     input concatenated on the channel axis, then one matrix product), which
//     every backend can differentiate. Config.Conv = "backend" uses the backend's
//     ConvGeneral instead, with the same weights (TestConvModesAgree); on the cpu
//     backend its ConvGeneral is still simplego's direct loop, 17–31× slower for one
//     layer's forward pass and gradients (BenchmarkConvLayer: Base-8 layer 1 at
//     64×64, batch 10, 45 ms against 775 ms; 16 → 16 channels 66 ms against 2.0 s).
//   - Up-sampling defaults to the original U-Net's 2×2 transposed convolution with
//     stride 2, written exactly as a per-pixel dense layer to 4·C′ followed by
//     depth-to-space (GoMLX has no transposed-convolution layer).
//     It is the default because the original U-Net and the paper's network use it.
//     Config.Upsample = UpsampleResize uses nearest-neighbour 2× instead (no parameters;
//     the following 3×3 convolution mixes the channels). Not bilinear: GoMLX's
//     bilinear Interpolate has no working gradient when a side is ≤ 3.
//   - Max-pooling is a reshape to [N, H/2, 2, W/2, 2, C] and a max over the 2×2
//     windows, whose gradient every backend has; image sides must be multiples of 16.
//   - Batch normalisation is written out with PyTorch's conventions (momentum 0.1 for
//     the running statistics, ε = 1e-5, gradient through the batch statistics).
//
// Volumes (Config.Dims 3): the same 18 layers on [N, D, H, W, C] with 3×3×3
// convolutions (im2col over 27 shifted slices, weights [27·C, out] ordered
// (dz, dy, dx, c); Conv "backend" uses ConvGeneral with the same weights),
// 2×2×2 max-pooling, 2×2×2 transposed up-sampling as a dense layer to 8·C′
// and depth-to-space (or nearest-neighbour 2× with UpsampleResize), BatchNorm
// over every axis but the channels, ReLU, and for two classes the output
// σ(logit₁ − logit₀) (maskAndProbBinary); every side a multiple of 16.
// The features are [N, d, h, w, C]; Train, Load, Forward, InputGradient,
// TestDice and PrunedOutput take volumes (a data.Dataset with Depth > 1,
// whose Batch gives [N, D, H, W, C]). The online SA term is
// N-dimensional already (package protoseg). The cpu backend fuses the 3×3×3
// products (cpubackend/simplego/fuse_conv3d.go). Base 8, 32×64×64, batch 2
// against PyTorch's Conv3d U-Net (bench/compare3d.sh, 2 threads each, this
// 2-core machine shared with other jobs, so the ratio moves with the load):
// at load ~3.5 a training step 0.89–0.96 s against 0.86–0.90 s (0.93–0.97×)
// and inference 0.23–0.25 s against 0.19–0.20 s (0.79–0.83×): the ≥ 1×
// target is not met yet; the convolutions are ~70 % of inference. One
// training step peaks at 0.47 GiB RSS (inference 0.20 GiB). Dims 0 or 2 is
// the 2D network, unchanged.
//
// Training (Train) is offline (cross-entropy only) or online (cross-entropy plus
// the mean over layers of 1 − soft SA, docs/design.md §2), with Adam, a step learning-rate
// schedule (the paper's shape: halved every 20 epochs), batches of 10, GoMLX
// checkpoints (config.json beside them, the last 3 epochs kept for resuming and
// K ≥ 5 epochs spread evenly over training kept in vog/ for the VoG baseline),
// resumption that loses at most the interrupted epoch and repeats
// the uninterrupted run exactly, a per-epoch history file (history.jsonl), GoMLX's
// progress bar on request, and a stall watchdog. The same seed and configuration on
// the same backend give identical weights.
//
// Defaults for this 2-core CPU (the paper's values are one option away): Base 8,
// 64×64 images, 12 epochs (DefaultEpochs, also the study's default preset),
// learning rate 1e-3. Measured on brats-synth with 8 epochs (160 training images,
// offline, plain cross-entropy): test Dice 0.977 in 48 s wall clock (0.86 GB peak
// RSS, on a machine shared with other jobs); with the paper's 1e-4 the same 8
// epochs reach only 0.724, since the small network and short schedule need the
// larger step. Online training costs about 1.3× per epoch (0.973 in 68 s);
// covid-synth, the hardest stand-in, reaches 0.68 offline in 62 s.
// Online training raises the mean SA of the late layers (15–18) over offline with
// the same seed: 0.67 → 0.93 on brats-synth, 0.48 → 0.61 on covid-synth.
//
// Inference and analysis go through Network (Forward: the mask B, the softmax
// foreground probability and the 18 features; InputGradient for VoG), whose
// compiled graphs are reused for every batch of the same shape.
package unet
