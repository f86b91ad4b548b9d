package decisionlog

// grouping says how a log's rows of one batch fold into shared rows: the
// decision log's repeated allowed decisions (Aggregate), the sign-in log's
// repeated service principal sign-ins (GroupSignIns).
type grouping[R any] struct {
	// alone reports whether r keeps a row of its own.
	alone func(r *R) bool
	// same reports whether a and b agree on every field key joins; it
	// spares a key built and hashed for the commonest case, a row equal
	// to the one before. same implies equal keys, so the rows are those
	// the keys alone make.
	same func(a, b *R) bool
	// key appends what rows that share a row have in common.
	key func(b []byte, r *R) []byte
	// fold adds r to into as one of its repeats.
	fold func(into, r *R)
}

// merge appends to out the rows of batch with the rows that repeat folded
// into the first one's, in the batch's order of their first row.
func (g grouping[R]) merge(batch, out []R) []R {
	var first map[string]int
	var key []byte
	// last is the row the previous foldable row went into: a busy log is
	// mostly one call, or one daemon, repeated.
	last := -1
	for i := range batch {
		r := &batch[i]
		if g.alone(r) {
			out = append(out, *r)
			continue
		}
		if last >= 0 && g.same(&out[last], r) {
			g.fold(&out[last], r)
			continue
		}
		key = g.key(key[:0], r)
		if at, ok := first[string(key)]; ok {
			g.fold(&out[at], r)
			last = at
			continue
		}
		if first == nil {
			first = make(map[string]int, len(batch))
		}
		first[string(key)] = len(out)
		last = len(out)
		out = append(out, *r)
	}
	return out
}
