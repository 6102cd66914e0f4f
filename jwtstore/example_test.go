package jwtstore_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/echohf/echohf/jwtstore"
)

type Session struct {
	User  string   `json:"user"`
	Orgs  []string `json:"orgs,omitempty"`
	Token string   `json:"tok,omitempty"` // sealed
}

func ExampleNew() {
	store, err := jwtstore.New[Session](jwtstore.Options{
		Name:    "session",
		Purpose: "session",
		Keys:    []jwtstore.Key{{Secret: []byte("a 32-byte random secret, really.")}},
	})
	if err != nil {
		panic(err)
	}

	// Log in: mint the session cookie.
	rec := httptest.NewRecorder()
	err = store.Save(rec, nil, Session{User: "ada", Orgs: []string{"huggingface"}}, time.Now().Add(8*time.Hour))
	fmt.Println("save:", err)
	c := rec.Result().Cookies()[0]
	fmt.Println(c.Name, c.HttpOnly, c.Secure, c.SameSite == http.SameSiteLaxMode)

	// A later request carries the cookie back.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(c)
	sess, err := store.Load(req)
	fmt.Println(sess.User, sess.Orgs, err)

	// No cookie, or a tampered one: logged out.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	_, err = store.Load(req)
	fmt.Println(errors.Is(err, jwtstore.ErrNoSession))
	req.Header.Set("Cookie", "session="+c.Value+"x")
	_, err = store.Load(req)
	fmt.Println(errors.Is(err, jwtstore.ErrNoSession), errors.Is(err, jwtstore.ErrInvalid))
	// Output:
	// save: <nil>
	// session true true true
	// ada [huggingface] <nil>
	// true
	// true true
}

func ExampleStore_Clear() {
	store, _ := jwtstore.New[Session](jwtstore.Options{
		Name:       "session",
		Purpose:    "session",
		Keys:       []jwtstore.Key{{ID: "2026-01", Secret: []byte("a 32-byte random secret, really.")}},
		HostPrefix: true,
	})
	req := httptest.NewRequest(http.MethodGet, "/logout", nil)
	req.Header.Set("Cookie", "__Host-session.0=2~abc; __Host-session.1=def")
	rec := httptest.NewRecorder()
	store.Clear(rec, req)
	for _, c := range rec.Result().Cookies() {
		fmt.Println(c.Name, c.MaxAge)
	}
	// Output:
	// __Host-session -1
	// __Host-session.0 -1
	// __Host-session.1 -1
}

// One login cookie per browser tab, as Sub views; a new login reads them all from one parse
// of the Cookie header, keeps the valid ones and expires the rest.
func ExampleStore_ReadSubs() {
	logins, _ := jwtstore.New[Session](jwtstore.Options{
		Name:    "login",
		Purpose: "login",
		Keys:    []jwtstore.Key{{Secret: []byte("a 32-byte random secret, really.")}},
	})
	tab1, _ := logins.Sub("tab1")
	rec := httptest.NewRecorder()
	_ = tab1.Save(rec, nil, Session{User: "ada"}, time.Now().Add(10*time.Minute))

	req := httptest.NewRequest(http.MethodGet, "/login", nil)
	req.AddCookie(rec.Result().Cookies()[0])
	req.Header.Add("Cookie", "login_tab2=forged; login_tab3.0=2~forged")
	subs := logins.ReadSubs(req, 8)
	res := httptest.NewRecorder()
	for _, id := range subs.IDs() {
		sess, err := subs.Load(id)
		if err != nil {
			subs.Expire(res, id, 16)
			continue
		}
		fmt.Println(id, sess.User)
	}
	for _, c := range res.Result().Cookies() {
		fmt.Println(c.Name, c.MaxAge)
	}
	// Output:
	// tab1 ada
	// login_tab2 -1
	// login_tab3.0 -1
}

func ExampleSealer() {
	secret := []byte("a 32-byte random secret, really.")
	sealer, err := jwtstore.NewSealer("access-token", []jwtstore.Key{{ID: "k1", Secret: secret}})
	if err != nil {
		panic(err)
	}
	sealed, _ := sealer.Seal([]byte("hf_oauth_0123456789"))
	fmt.Println(sealed[:3], len(sealed))

	plain, err := sealer.Open(sealed)
	fmt.Println(string(plain), err)

	// After rotation the old key still opens while it stays in the ring.
	rotated, _ := jwtstore.NewSealer("access-token", []jwtstore.Key{{ID: "k2", Secret: []byte("another 32-byte random secret...")}, {ID: "k1", Secret: secret}})
	plain, err = rotated.Open(sealed)
	fmt.Println(string(plain), err)

	_, err = sealer.Open(sealed[:len(sealed)-1])
	fmt.Println(errors.Is(err, jwtstore.ErrInvalid))
	// Output:
	// k1. 66
	// hf_oauth_0123456789 <nil>
	// hf_oauth_0123456789 <nil>
	// true
}
