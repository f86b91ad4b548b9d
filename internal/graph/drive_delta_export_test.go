package graph

import "time"

// SetDriveDeltaClockSkew moves s's tombstone retention clock by d.
func SetDriveDeltaClockSkew(s *Server, d time.Duration) { s.driveDeltaSkew.Store(int64(d)) }
