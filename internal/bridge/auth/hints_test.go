package auth

import "github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"

func cacheHints() cache.ReplaceHints { return cache.ReplaceHints{} }
func exportHints() cache.ExportHints { return cache.ExportHints{} }
