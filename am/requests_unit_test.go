package am

import "testing"

func TestRequests(t *testing.T) {
	var q requests
	if n, send := q.ask(0); send {
		t.Errorf("nothing wanted, nothing asked: ask(0) = %d, true", n)
	}
	if n, send := q.ask(3); !send || n != 3 {
		t.Fatalf("ask(3) = %d, %v", n, send)
	}
	q.sent(3)
	if _, send := q.ask(3); send {
		t.Error("the RM already asks for 3: sent again")
	}
	q.allocated()
	q.allocated()
	// Two allocated, so one outstanding: wanting one more is what the RM believes.
	if _, send := q.ask(1); send {
		t.Error("one outstanding and one wanted: sent again")
	}
	if n, send := q.ask(2); !send || n != 2 {
		t.Errorf("a replacement is wanted: ask(2) = %d, %v", n, send)
	}
	q.allocated()
	q.allocated() // more than asked for (surplus): never below zero
	if _, send := q.ask(0); send {
		t.Error("nothing outstanding, nothing wanted: sent")
	}
	// After a re-registration the RM has forgotten: the next ask goes out even if
	// the numbers agree, and an allocation in the same response does not undo that.
	q.forget()
	q.allocated()
	if n, send := q.ask(0); !send || n != 0 {
		t.Errorf("after forget: ask(0) = %d, %v, want a send", n, send)
	}
	q.sent(0)
	if _, send := q.ask(0); send {
		t.Error("after the resend: sent again")
	}
}
