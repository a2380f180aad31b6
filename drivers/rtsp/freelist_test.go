package rtsp

import (
	"bytes"
	"testing"
)

// TestFreeListGivesBackPastTheHotOnes: the first maxHot chunks released
// stay as they were; past them a chunk's pages go back to the kernel and
// read as zeros (MADV_DONTNEED on the heap's private memory); the hot ones
// are reused first, and a cold one takes writes again.
func TestFreeListGivesBackPastTheHotOnes(t *testing.T) {
	var l freeList
	all := make([]*chunk, maxHot+6)
	for i := range all {
		all[i] = &chunk{buf: bytes.Repeat([]byte{0x5a}, chunkSize)}
		l.put(all[i])
	}
	if hot, cold := l.sizes(); hot != maxHot || cold != 6 {
		t.Fatalf("%d hot and %d cold chunks, want %d and 6", hot, cold, maxHot)
	}
	for i, c := range all {
		resident := c.buf[0] == 0x5a && c.buf[chunkSize-1] == 0x5a
		if resident != (i < maxHot) {
			t.Fatalf("chunk %d kept its bytes: %v, want %v", i, resident, i < maxHot)
		}
	}
	for i := range maxHot {
		if c := l.get(); c != all[maxHot-1-i] {
			t.Fatalf("get %d did not return the last hot chunk released", i)
		}
	}
	c := l.get()
	if c != all[len(all)-1] {
		t.Fatal("past the hot chunks, get did not return the last cold one")
	}
	c.buf[100] = 7
	if c.buf[100] != 7 || c.buf[99] != 0 {
		t.Fatal("a cold chunk does not take writes")
	}
}
