package files

import (
	"net/http"

	"graphgate/internal/graph"
	"graphgate/internal/model"
	"graphgate/internal/odata"
	"graphgate/internal/store"
)

// Section groups: folders of sections (and of other section groups) inside
// a notebook. A section group's item parent is its notebook or its parent
// section group; its parentNotebook is always the notebook it lives in,
// however deep, as Graph reports it, and parentSectionGroup is null at the
// top of the notebook. Sections created in a section group carry both.

var sectionGroupSelectable = graph.Selectable(model.SectionGroup{})

var sectionGroupProps = odata.JSONProps{"id": odata.TypeString, "displayName": odata.TypeString, "createdDateTime": odata.TypeDateTime,
	"lastModifiedDateTime": odata.TypeDateTime, "parentNotebook/id": odata.TypeString, "parentNotebook/displayName": odata.TypeString,
	"parentSectionGroup/id": odata.TypeString, "parentSectionGroup/displayName": odata.TypeString}

// parentSelves adds the self links of a rendered section's or section
// group's parents. Sections stored before section groups existed have no
// parentSectionGroup: Graph shows null.
func parentSelves(m map[string]any, root string) {
	if _, ok := m["parentSectionGroup"]; !ok {
		m["parentSectionGroup"] = nil
	}
	if p, ok := m["parentNotebook"].(map[string]any); ok {
		id, _ := p["id"].(string)
		p["self"] = root + "/notebooks/" + id
	}
	if p, ok := m["parentSectionGroup"].(map[string]any); ok {
		id, _ := p["id"].(string)
		p["self"] = root + "/sectionGroups/" + id
	}
}

func (s server) sectionGroupsQuery(c *graph.Call, root string, base store.ItemQuery, contextURL string) error {
	return s.onenoteList(c, base, "microsoft.graph.sectionGroup", sectionGroupProps, sectionGroupSelectable, root, contextURL, s.byName("displayName"))
}

// newContainerName checks the name of a new section or section group:
// given, valid (50 characters), and not taken, ignoring case, among the
// container's objects of that kind.
func (s server) newContainerName(c *graph.Call, kind, owner, containerID string, in onenoteNameInput) (string, error) {
	if in.DisplayName == nil {
		return "", errOnenoteBadRequest("The displayName property is required.")
	}
	if err := validOnenoteName(*in.DisplayName, 50); err != nil {
		return "", err
	}
	exists, err := s.onenoteNamed(c, kind, owner, containerID, *in.DisplayName)
	if err != nil {
		return "", err
	}
	if exists {
		return "", errOnenoteNameExists()
	}
	return *in.DisplayName, nil
}

// createSectionGroup serves POST …/notebooks/{id}/sectionGroups and
// …/sectionGroups/{id}/sectionGroups. Names follow the section rules (50
// characters) and are unique, ignoring case, among the container's groups.
func (s server) createSectionGroup(c *graph.Call) error {
	owner, root, err := s.noteOwner(c)
	if err != nil {
		return err
	}
	var in onenoteNameInput
	if err := c.ReadJSON(&in); err != nil {
		return err
	}
	container, err := s.noteContainer(c, owner)
	if err != nil {
		return err
	}
	name, err := s.newContainerName(c, model.KindSectionGroup, owner, container.ID, in)
	if err != nil {
		return err
	}
	nb, group, err := parentRefs(container)
	if err != nil {
		return err
	}
	now := s.Now()
	ts := model.StoredTime(now)
	id := newOnenoteID()
	by := s.noteActor(c)
	d := model.SectionGroup{ID: id, DisplayName: name, CreatedDateTime: ts, LastModifiedDateTime: ts, CreatedBy: by, LastModifiedBy: by,
		ParentNotebook: nb, ParentSectionGroup: group}
	it := store.Item{TenantID: c.TenantID, Kind: model.KindSectionGroup, ID: id, OwnerID: owner, ParentID: container.ID, Doc: model.EncodeDoc(d),
		CreatedAt: now, ModifiedAt: now, Version: 1}
	if err := s.Store().CreateItems(c.Context(), it); err != nil {
		return graph.AsError(err)
	}
	return s.writeOnenote(c, http.StatusCreated, it, root, c.ContextURL(), sectionGroupSelectable, "microsoft.graph.sectionGroup")
}
