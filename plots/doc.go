// Package plots turns ProtoSeg analysis results into the paper's figures
// (PNG and SVG) and tables (Markdown and HTML). It never trains and never
// reads datasets: every function takes plain Go values (slices, small
// structs defined here) that the study package fills in.
//
// Figures (docs/design.md §4) → functions:
//
//	Fig. 5   Fig5LayerSA([]LayerSA)               mean SA per layer, offline vs online, panel per dataset
//	Fig. 6   Fig6LayerSAMs([]LayerSAMs)           GT (green) and layer-SAM (red) contours, layers 1–18, offline/online rows
//	Fig. 7   Fig7UnitSA([]UnitSA)                 sorted SA of the units of layer 18, active/inertia threshold
//	Fig. 8   Fig8UnitSAMs([]UnitSAMs, perGroup)   unit SAMs with the lowest, middle and highest SA
//	Fig. 9   Fig9HeatMaps([]HeatMap)              mean of the binary unit SAMs of layer 18 (viridis + colour bar)
//	Fig. 10  Fig10Scatter([]QualityScores)        Dice(B,G) vs μ and vs scaled VoG, Pearson r in the legend
//	Fig. 11  Fig11Buckets([]Buckets)              mean Dice per percentile bucket of μ and VoG
//	Fig. 12  Fig12RankedByMu([]RankedPanels)      test images ranked by μ with output contours
//	Fig. 13  Fig13Examples([]Example13)           input+GT, heat-map of layers 17–18, output, μ and Dice
//	Fig. 14  Fig14Separableness([]RankedPanels)   images ordered by SA(S_x,G), with S_x and GT
//	Fig. 15  Fig15Separableness([]Separableness)  Dice(B,G) vs SA(S_x,G) with y = x, r and m(d)
//	Fig. 16  Fig16Noise([]NoiseSA)                per-layer SA(noisy) − SA(clean) per noise level
//	Fig. 17  Fig17RiskCoverage([]RiskCoverage)   risk–coverage curves of the QC scores with the oracle (beyond the paper)
//	Fig. 18  Fig18WeightSA([]WeightSA)            output-layer weight of each last-layer unit vs its SA (beyond the paper)
//	Table 1  Table1([]Table1Row, ours)            mean ± SD Dice(B,G) and SA(S_18,G), offline/online
//	Table 2  Table2([]CoverageRow, ours)          mean Dice at coverage 100/90/75/70/50 %
//	Table 3  Table3([]SeparablenessRow, ours)     mean SA(S_x,G), Dice(B,G), m(d)
//
// For any network (`protoseg analyze --out`, network.go): NetworkLayerSA
// (Fig. 5 style, the thirds of the layers by index shaded, LayerThirds),
// NetworkSAMs (Fig. 6 style, one row per case view), NetworkUnitSA (Fig. 7),
// NetworkHeatMaps (Fig. 9) and NetworkRankedByMu (Fig. 12).
//
// A *Figure writes PNG (WritePNG, PNG for GoNB's display.PNG) and SVG
// (WriteSVG, SVG); Save(pathWithoutExt) writes both. A *Table renders
// Markdown and HTML; the paper's numbers (PaperTable1/2/3, docs/design.md §8)
// appear only in columns whose header says "paper", matched to our
// datasets by name (PaperDataset: "brats-synth" → "BraTS").
//
// Choices: charts use gonum/plot with Liberation Sans at 8.5–11 pt, the
// Okabe–Ito palette for lines, viridis for heat-maps and the noise
// levels; the layer groups of unet.LayerGroups (early 1–4 / abstract
// 5–14 / late 15–18) are shaded. Multi-panel figures hold one panel per
// dataset (1–5), three per row, the last row centred, with a shared legend
// under the title and per-panel legends (r, m(d), active-unit counts) under
// each panel.
// Image panels keep the paper's colours — ground truth green, segmentation
// red — and stay readable without colour vision because GT is drawn as a
// ring just outside its object and the segmentation as a ring just inside
// its own. Images with 3 channels are shown as RGB, others as channel 0 in
// grey, each min–max stretched. The pixel panels are drawn by the
// sub-package raster, which the explorer (package explore) shares. VoG is min–max scaled to [0,1] per
// dataset in Fig. 10 (as the paper does "for visualisation"); Pearson r
// is computed on the raw values (scaling does not change it).
//
// Empty or mismatched inputs are errors (wrapping ErrEmpty where the
// input is empty), never blank figures; NaN and Inf are errors too.
package plots
