package claims

// Claims of the failure-detection findings (Table 4).
const (
	QCClaimVoG       = "μ detects failures at least as well as VoG: AURC(μ) ≤ AURC(VoG) (Table 4; the paper's claim, measured as Zenk et al. 2025 do)"
	QCClaimBaselines = "μ detects failures at least as well as every other baseline (entropy, foreground entropy, TTA agreement) (Table 4; beyond the paper)"
)
