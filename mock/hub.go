package mock

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Paths of the fake Hub API, relative to the issuer: Hugging Face serves its API on the same
// host as its OpenID endpoints, so an app's HF_ENDPOINT is the provider's URL.
const (
	PathWhoami = "/api/whoami-v2"
	PathModels = "/api/models"
)

// Model is a model repository as the Hub's model list describes it (JSON tags are the Hub's
// wire names). Only the fields apps commonly read are kept.
type Model struct {
	// ID is "author/name"; author is a user's or an organization's PreferredUsername.
	ID          string   `json:"id"`
	Private     bool     `json:"private"`
	Likes       int      `json:"likes"`
	Downloads   int      `json:"downloads"`
	PipelineTag string   `json:"pipeline_tag,omitempty"`
	Tags        []string `json:"tags,omitzero"`
}

// author is the part of the model's id before the slash.
func (m Model) author() string {
	a, _, _ := strings.Cut(m.ID, "/")
	return a
}

// DefaultModels returns the models a Provider lists when [Config].Models is nil, a fresh slice
// on each call: two of [DefaultUser] (one private) and two of its organization acme-research
// (one private).
func DefaultModels() []Model {
	return []Model{
		{ID: "mockuser/tiny-story-writer", Likes: 12, Downloads: 340, PipelineTag: "text-generation", Tags: []string{"transformers", "text-generation"}},
		{ID: "mockuser/private-notes-classifier", Private: true, PipelineTag: "text-classification", Tags: []string{"transformers"}},
		{ID: "acme-research/vision-base", Likes: 87, Downloads: 15200, PipelineTag: "image-classification", Tags: []string{"transformers", "vision"}},
		{ID: "acme-research/internal-eval", Private: true, Tags: []string{"evaluation"}},
	}
}

// AddModel adds m to the models the Hub lists, replacing any model with the same ID. It
// panics if m.ID is not "author/name".
func (p *Provider) AddModel(m Model) {
	if err := p.addModel(m); err != nil {
		panic(err)
	}
}

func (p *Provider) addModel(m Model) error {
	author, name, ok := strings.Cut(m.ID, "/")
	if !ok || author == "" || name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("mock: model id %q is not author/name", m.ID)
	}
	m.Tags = slices.Clone(m.Tags)
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.models {
		if p.models[i].ID == m.ID {
			p.models[i] = m
			return nil
		}
	}
	p.models = append(p.models, m)
	return nil
}

// AddToken registers token as a personal access token of the user named username: the Hub API
// endpoints accept it until [Provider.RemoveToken]. Access tokens that the token endpoint
// issues are accepted too, until they expire. It panics if token is empty or no user has that
// PreferredUsername. (echohf checks only tokens that start with "hf_", as Hugging Face's do.)
func (p *Provider) AddToken(token, username string) {
	if err := p.addToken(token, username); err != nil {
		panic(err)
	}
}

func (p *Provider) addToken(token, username string) error {
	if token == "" {
		return errors.New("mock: empty token")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.userLocked(username); !ok {
		return fmt.Errorf("mock: no user %q", username)
	}
	p.tokens[token] = username
	return nil
}

// RemoveToken revokes token, a personal access token from [Provider.AddToken] or an access
// token the token endpoint issued: the Hub API refuses it from then on.
func (p *Provider) RemoveToken(token string) {
	p.mu.Lock()
	delete(p.tokens, token)
	delete(p.access, token)
	p.mu.Unlock()
}

// userLocked returns the user named username. p.mu must be held.
func (p *Provider) userLocked(username string) (User, bool) {
	for _, u := range p.users {
		if u.PreferredUsername == username {
			return u, true
		}
	}
	return User{}, false
}

// bearerUser returns the user r's Bearer token stands for. present is false when r carries no
// Bearer token; ok is false when it carries one the Hub does not accept.
func (p *Provider) bearerUser(r *http.Request) (u User, kind string, present, ok bool) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return User{}, "", false, false
	}
	tok = strings.TrimSpace(tok)
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if name, found := p.tokens[tok]; found {
		u, ok = p.userLocked(name)
		return u.clone(), "access_token", true, ok
	}
	if at, found := p.access[tok]; found && !now.After(at.expires) {
		return at.user.clone(), "oauth", true, true
	}
	return User{}, "", true, false
}

// hubFault applies the HubDelay and HubStatus faults; it reports whether the request was
// answered (or abandoned).
func (p *Provider) hubFault(w http.ResponseWriter, r *http.Request) bool {
	f := p.currentFaults()
	if f.HubDelay > 0 {
		t := time.NewTimer(f.HubDelay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.HubStatus != 0 {
		writeJSON(w, f.HubStatus, hubError{"mock: fault switched on"})
		return true
	}
	return false
}

// hubError is the Hub API's error body.
type hubError struct {
	Error string `json:"error"`
}

// refuse answers 401 as the Hub does for a missing or unknown token.
func refuse(w http.ResponseWriter) {
	writeJSON(w, http.StatusUnauthorized, hubError{"Invalid credentials in Authorization header"})
}

// whoamiOrg is an organization in a whoami-v2 answer.
type whoamiOrg struct {
	Type         string  `json:"type"`
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	Fullname     string  `json:"fullname"`
	AvatarURL    string  `json:"avatarUrl"`
	IsEnterprise bool    `json:"isEnterprise"`
	CanPay       *bool   `json:"canPay,omitempty"`
	RoleInOrg    string  `json:"roleInOrg,omitempty"`
	Plan         string  `json:"plan,omitempty"`
	PeriodEnd    *int64  `json:"periodEnd"`
	Email        *string `json:"email"`
}

// whoamiAnswer is the whoami-v2 answer for a user's token.
type whoamiAnswer struct {
	Type          string      `json:"type"`
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Fullname      string      `json:"fullname"`
	Email         *string     `json:"email,omitempty"`
	EmailVerified *bool       `json:"emailVerified,omitempty"`
	CanPay        *bool       `json:"canPay,omitempty"`
	IsPro         bool        `json:"isPro"`
	PeriodEnd     *int64      `json:"periodEnd"`
	AvatarURL     string      `json:"avatarUrl"`
	Orgs          []whoamiOrg `json:"orgs"`
	Auth          struct {
		Type string `json:"type"`
	} `json:"auth"`
}

// whoami answers /api/whoami-v2: the account a Bearer token belongs to, in the Hub's shape.
func (p *Provider) whoami(w http.ResponseWriter, r *http.Request) {
	if p.hubFault(w, r) {
		return
	}
	u, kind, _, ok := p.bearerUser(r)
	if !ok {
		refuse(w)
		return
	}
	a := whoamiAnswer{Type: "user", ID: u.Sub, Name: u.PreferredUsername, Fullname: u.Name,
		CanPay: u.CanPay, IsPro: u.IsPro, AvatarURL: u.Picture, Orgs: make([]whoamiOrg, 0, len(u.Orgs))}
	if u.Email != "" {
		a.Email, a.EmailVerified = &u.Email, u.EmailVerified
	}
	a.Auth.Type = kind
	for _, o := range u.Orgs {
		a.Orgs = append(a.Orgs, whoamiOrg{Type: "org", ID: o.Sub, Name: o.PreferredUsername, Fullname: o.Name,
			AvatarURL: o.Picture, IsEnterprise: o.IsEnterprise, CanPay: o.CanPay, RoleInOrg: o.RoleInOrg, Plan: o.Plan})
	}
	writeJSON(w, http.StatusOK, a)
}

// modelEntry is a model in the list, with the Hub's _id.
type modelEntry struct {
	ObjectID string `json:"_id"`
	Model
}

// listModels answers /api/models: the models whose author is the author parameter (every model
// without it), at most limit of them. Private models are listed only to a Bearer token of their
// author or of a member of the organization that owns them; an unknown token gets 401.
func (p *Provider) listModels(w http.ResponseWriter, r *http.Request) {
	if p.hubFault(w, r) {
		return
	}
	u, _, present, ok := p.bearerUser(r)
	if present && !ok {
		refuse(w)
		return
	}
	q := r.URL.Query()
	author := q.Get("author")
	limit := -1
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeJSON(w, http.StatusBadRequest, hubError{"limit must be a non-negative integer"})
			return
		}
		limit = n
	}
	canSee := func(m Model) bool {
		if !m.Private {
			return true
		}
		if !ok {
			return false
		}
		a := m.author()
		return a == u.PreferredUsername || slices.ContainsFunc(u.Orgs, func(o Org) bool { return o.PreferredUsername == a })
	}
	p.mu.Lock()
	out := make([]modelEntry, 0, len(p.models))
	for _, m := range p.models {
		if (author == "" || m.author() == author) && canSee(m) && (limit < 0 || len(out) < limit) {
			m.Tags = slices.Clone(m.Tags)
			out = append(out, modelEntry{ObjectID: objectID("model:" + m.ID), Model: m})
		}
	}
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
