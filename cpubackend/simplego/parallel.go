package simplego

import (
	"runtime"
	"sync"
)

// Intra-op parallelism of the fast kernels: plain goroutines, never a bounded
// pool, so kernels may be called from anywhere (including concurrently) without
// the nested-wait starvation of the upstream workersPool.

// parallelMinWork is the amount of work (≈ elements touched) below which a loop
// runs on the calling goroutine.
const parallelMinWork = 1 << 15

// parallelFor splits [0, n) into contiguous chunks and runs fn on each, using
// up to GOMAXPROCS goroutines (the caller runs the last chunk). costPerItem is
// the approximate work of one item, used to decide whether to split at all.
func parallelFor(n, costPerItem int, fn func(start, end int)) {
	if n <= 0 {
		return
	}
	workers := runtime.GOMAXPROCS(0)
	if total := n * max(costPerItem, 1); total < 2*parallelMinWork || workers <= 1 || n == 1 {
		fn(0, n)
		return
	}
	workers = min(workers, n, n*max(costPerItem, 1)/parallelMinWork)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		if end == n {
			fn(start, end)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(start, end)
		}()
	}
	wg.Wait()
}
