// Package unet is the U-Net the paper interprets (He et al. 2023, Fig. 4): 18
// convolution layers (3×3, BatchNorm, ReLU) with widths 64·(1,1,2,2,4,4,8,8,16,16,8,8,
// 4,4,2,2,1,1) scaled by Config.Base/64, 2×2 max-pooling between encoder blocks, 2×
// up-sampling with skip concatenation in the decoder, and a final 1×1 convolution to
// the classes. The model returns the logits and every layer's post-ReLU feature map
// (layer01…layer18), so training, analysis and notebooks read them by name.
//
// Layer groups (DESIGN §2): early = 1–4, abstract = 5–14, late = 15–18.
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
//     Config.Upsample = "resize" uses nearest-neighbour 2× instead (no parameters).
//   - Max-pooling is a reshape to [N, H/2, 2, W/2, 2, C] and a max over the 2×2
//     windows, whose gradient every backend has; image sides must be multiples of 16.
//   - Batch normalisation is written out with PyTorch's conventions (momentum 0.1 for
//     the running statistics, ε = 1e-5, gradient through the batch statistics).
//
// Training (Train) is offline (cross-entropy only) or online (cross-entropy plus
// the mean over layers of 1 − soft SA, DESIGN §2), with Adam, a step learning-rate
// schedule, GoMLX checkpoints, resumption and a per-epoch history file.
package unet
