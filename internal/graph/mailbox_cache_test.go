package graph

import (
	"strconv"
	"testing"
)

// TestKnownMailboxes: a remembered mailbox is known until forgotten, and
// the set never holds more than maxKnownMailboxes entries.
func TestKnownMailboxes(t *testing.T) {
	var k knownMailboxes
	if k.has("t/a") {
		t.Fatal("an empty set knows t/a")
	}
	k.add("t/a")
	k.add("t/a")
	if !k.has("t/a") || k.has("t/b") || k.n.Load() != 1 {
		t.Fatalf("after adding t/a twice: has(t/a) %v, has(t/b) %v, n %d", k.has("t/a"), k.has("t/b"), k.n.Load())
	}
	k.forget("t/a")
	if k.has("t/a") {
		t.Fatal("t/a is known after forget")
	}
	for i := range maxKnownMailboxes + 10 {
		k.add("t/" + strconv.Itoa(i))
	}
	size := 0
	k.m.Range(func(any, any) bool { size++; return true })
	if size > maxKnownMailboxes || int64(size) != k.n.Load() {
		t.Errorf("%d entries (counted %d), at most %d", size, k.n.Load(), maxKnownMailboxes)
	}
}
