package study

import (
	"bytes"
	"io"
	"sync"
)

// lineLog writes whole lines to a log shared by concurrent runs, each line
// prefixed with its run's name. A line's progress updates (text before its last
// carriage return) are dropped, so a progress bar prints as its final state.
type lineLog struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

// Write buffers p and writes every completed line.
func (l *lineLog) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := l.buf[:i+1]
		if j := bytes.LastIndexByte(line, '\r'); j >= 0 {
			line = line[j+1:]
		}
		l.mu.Lock()
		_, err := io.WriteString(l.w, l.prefix+string(line))
		l.mu.Unlock()
		l.buf = l.buf[i+1:]
		if err != nil {
			return len(p), err
		}
	}
}

// flush writes what is left of an unfinished line.
func (l *lineLog) flush() {
	if len(l.buf) > 0 {
		_, _ = l.Write([]byte("\n"))
	}
}
