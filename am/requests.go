package am

// requests is the allocator's view of its container request: how many
// executor containers the ResourceManager believes are still asked for. YARN's
// ask is a total that replaces the previous one and that the RM decrements by
// itself for every container it allocates, so the AM sends a new ask only when
// what it wants differs from what the RM believes, and once after the RM has
// forgotten (a re-registration after an RM restart). All of its rules are here.
type requests struct {
	// outstanding is the last total sent, less the containers allocated since.
	outstanding int
	// unknown is set when the RM may no longer hold the last ask: the next
	// heartbeat sends one whatever the numbers say.
	unknown bool
}

// ask returns the total to send for wanted containers, and false when the RM
// already believes exactly that.
func (q *requests) ask(wanted int) (int, bool) {
	return wanted, q.unknown || wanted != q.outstanding
}

// sent records that the RM accepted an ask for n containers.
func (q *requests) sent(n int) { q.outstanding, q.unknown = n, false }

// allocated records one container the RM allocated (and so no longer asks for).
func (q *requests) allocated() {
	if q.outstanding > 0 {
		q.outstanding--
	}
}

// forget records that the RM re-registered the AM and lost its asks.
func (q *requests) forget() { q.unknown = true }
