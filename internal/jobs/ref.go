package jobs

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/shoutout-loyalty/shoutout/internal/store"
)

// ErrNoQueue is returned by a Ref whose queue is not set yet.
var ErrNoQueue = errors.New("jobs: queue not set")

// Ref forwards to a Queue set later. Workers must be registered before a
// Queue exists, and workers need the components that enqueue jobs: those
// components get a Ref, set once the queue is built.
type Ref struct{ q atomic.Pointer[Queue] }

// Set points the Ref at q.
func (r *Ref) Set(q *Queue) { r.q.Store(q) }

// InsertTx enqueues through the queue set with Set.
func (r *Ref) InsertTx(ctx context.Context, tx store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	q := r.q.Load()
	if q == nil {
		return nil, ErrNoQueue
	}
	return q.InsertTx(ctx, tx, args, opts)
}
