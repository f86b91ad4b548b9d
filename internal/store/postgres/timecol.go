package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"graphgate/internal/store/sqlstore"
)

// timestamptz is pgx's timestamptz type with a scan plan of its own for
// the shared layer's time columns (sqlstore.TimeTarget): pgx decodes the
// value as for any timestamptz and it is stored in UTC, NULL as the zero
// time, where pgx's plan for a sql.Scanner would box each value (two
// allocations a column). Every other target, and encoding, are pgx's
// TimestamptzCodec's. It is registered on each connection (registerTypes).
var timestamptz = &pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID, Codec: newTimeCodec()}

// registerTypes is the pool's AfterConnect: it installs timestamptz in the
// connection's type map.
func registerTypes(_ context.Context, c *pgx.Conn) error {
	c.TypeMap().RegisterType(timestamptz)
	return nil
}

type timeCodec struct {
	pgtype.TimestamptzCodec
	// plans are the scan plans for a TimeTarget, per format (binary,
	// text), made once: pgx asks for a plan per result and column.
	plans [2]timePlan
}

func newTimeCodec() *timeCodec {
	c := &timeCodec{}
	for i, f := range []int16{pgtype.TextFormatCode, pgtype.BinaryFormatCode} {
		c.plans[i] = timePlan{c.TimestamptzCodec.PlanScan(nil, pgtype.TimestamptzOID, f, pgTime{})}
	}
	return c
}

func (c *timeCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(sqlstore.TimeTarget); ok && (format == pgtype.TextFormatCode || format == pgtype.BinaryFormatCode) {
		return &c.plans[format]
	}
	return c.TimestamptzCodec.PlanScan(m, oid, format, target)
}

// timePlan scans into a TimeTarget through pgx's plan for a
// TimestamptzScanner (pgTime).
type timePlan struct{ next pgtype.ScanPlan }

func (p *timePlan) Scan(src []byte, dst any) error {
	return p.next.Scan(src, pgTime{dst.(sqlstore.TimeTarget).TimeTarget()})
}

// pgTime is a TimestamptzScanner storing into a time (one pointer: no
// allocation to pass it as an interface).
type pgTime struct{ p *time.Time }

func (t pgTime) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid:
		*t.p = time.Time{}
	case v.InfinityModifier != pgtype.Finite:
		return errors.New("postgres: an infinite timestamp in a time column")
	default:
		*t.p = v.Time.UTC()
	}
	return nil
}
