package simplego

import (
	"sync"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
)

// A free list of buffers that survives garbage collections.
//
// Upstream recycles buffers through one sync.Pool per (dtype, length), which
// the runtime empties at every other garbage collection — about every forward
// pass of a U-Net, whose ops allocate tens of MB — so most buffers were
// allocated afresh: zeroed by the runtime and page-faulted in (a few % of a
// forward pass). The fork keeps released buffers in a free list per (dtype,
// length) first, up to freeBufferBudget bytes per backend (beyond, they go to
// upstream's pool). A buffer is handed out with its old contents, as from the
// pool; every kernel writes its whole output.

// freeBufferBudget is the most bytes of released buffers a backend keeps.
const freeBufferBudget = 128 << 20

// freeBuffers is the fork's free list of a Backend (in forkBackend).
type freeBuffers struct {
	mu    sync.Mutex
	bytes int
	lists map[bufferPoolKey][]*Buffer
}

// forkGetBuffer returns a buffer of the free list, or nil (hook: getBuffer in
// buffers.go).
func (b *Backend) forkGetBuffer(dtype dtypes.DType, length int) *Buffer {
	f := &b.free
	f.mu.Lock()
	defer f.mu.Unlock()
	key := bufferPoolKey{dtype: dtype, length: length}
	list := f.lists[key]
	if len(list) == 0 {
		return nil
	}
	buf := list[len(list)-1]
	list[len(list)-1] = nil
	f.lists[key] = list[:len(list)-1]
	f.bytes -= length * dtype.Size()
	buf.valid = true
	return buf
}

// forkPutBuffer keeps a released buffer in the free list and reports whether
// it did (hook: putBuffer in buffers.go).
func (b *Backend) forkPutBuffer(buffer *Buffer) bool {
	if b.reference {
		return false
	}
	length := buffer.shape.Size()
	size := length * buffer.shape.DType.Size()
	f := &b.free
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.bytes+size > freeBufferBudget {
		return false
	}
	if f.lists == nil {
		f.lists = map[bufferPoolKey][]*Buffer{}
	}
	key := bufferPoolKey{dtype: buffer.shape.DType, length: length}
	f.lists[key] = append(f.lists[key], buffer)
	f.bytes += size
	return true
}

// forkFinalize drops the free list (hook: Finalize in simplego.go).
func (b *Backend) forkFinalize() {
	b.free.mu.Lock()
	b.free.lists, b.free.bytes = nil, 0
	b.free.mu.Unlock()
}
