package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Source is Microsoft's data as read from the three files.
type Source struct {
	Permissions  map[string]srcPermission
	Provisioning map[string][]srcDeployment
	Delegated    []srcDescription
	Application  []srcDescription
	// Hashes are the SHA-256 of each file, recorded in the output so that a
	// reader can tell which snapshot produced it.
	Hashes map[string]string
}

type srcPermission struct {
	AuthorizationType string               `json:"authorizationType"`
	Schemes           map[string]srcScheme `json:"schemes"`
	PathSets          []srcPathSet         `json:"pathSets"`
}

type srcScheme struct {
	AdminDisplayName     string `json:"adminDisplayName"`
	AdminDescription     string `json:"adminDescription"`
	UserDisplayName      string `json:"userDisplayName"`
	UserDescription      string `json:"userDescription"`
	RequiresAdminConsent bool   `json:"requiresAdminConsent"`
	PrivilegeLevel       int    `json:"privilegeLevel"`
}

type srcPathSet struct {
	SchemeKeys []string          `json:"schemeKeys"`
	Methods    []string          `json:"methods"`
	Paths      map[string]string `json:"paths"`
}

type srcDeployment struct {
	ID          string `json:"id"`
	Scheme      string `json:"scheme"`
	Environment string `json:"environment"`
	IsHidden    bool   `json:"isHidden"`
	IsEnabled   *bool  `json:"isEnabled"`
}

type srcDescription struct {
	Value                   string  `json:"value"`
	ID                      string  `json:"id"`
	IsAdmin                 bool    `json:"isAdmin"`
	IsEnabled               *bool   `json:"isEnabled"`
	AdminConsentDisplayName string  `json:"adminConsentDisplayName"`
	AdminConsentDescription string  `json:"adminConsentDescription"`
	ConsentDisplayName      *string `json:"consentDisplayName"`
	ConsentDescription      *string `json:"consentDescription"`
}

// ReadSource reads the three files from dir.
func ReadSource(dir string) (*Source, error) {
	s := &Source{Hashes: map[string]string{}}
	read := func(name string, v any) error {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("reading Microsoft's permission data: %w (pass -src or set GRAPHGATE_GRAPH_DATA)", err)
		}
		sum := sha256.Sum256(b)
		s.Hashes[name] = hex.EncodeToString(sum[:])
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	var perms struct {
		Permissions map[string]srcPermission `json:"permissions"`
	}
	var prov struct {
		PermissionDeployments map[string][]srcDeployment `json:"permissionDeployments"`
	}
	var desc struct {
		Delegated   []srcDescription `json:"delegatedScopesList"`
		Application []srcDescription `json:"applicationScopesList"`
	}
	if err := read("permissions.json", &perms); err != nil {
		return nil, err
	}
	if err := read("provisioningInfo.json", &prov); err != nil {
		return nil, err
	}
	if err := read("permissions-descriptions.json", &desc); err != nil {
		return nil, err
	}
	if len(perms.Permissions) == 0 {
		return nil, fmt.Errorf("permissions.json holds no permissions")
	}
	s.Permissions = perms.Permissions
	s.Provisioning = prov.PermissionDeployments
	s.Delegated = desc.Delegated
	s.Application = desc.Application
	return s, nil
}
