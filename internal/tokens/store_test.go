package tokens_test

import (
	"testing"

	"graphgate/internal/tokens"
	"graphgate/internal/tokens/tokenstest"
)

func TestMemoryStoreConformance(t *testing.T) {
	tokenstest.RunKeyStoreTests(t, func(*testing.T) tokens.KeyStore { return &tokens.MemoryStore{} })
}
