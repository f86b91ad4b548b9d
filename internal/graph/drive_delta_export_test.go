package graph

import "time"

// SetDriveDeltaClockSkew moves the tombstone retention clock by d.
func SetDriveDeltaClockSkew(d time.Duration) { driveDeltaClockSkew.Store(int64(d)) }
