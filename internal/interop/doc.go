// Package interop holds tests only: echohf's sign-in, refresh, revalidation
// and logout run over real HTTP against OpenID providers written by other
// people, as they are published, to catch what a fake written here would
// share with the code it tests. The providers are
// github.com/oauth2-proxy/mockoidc and the example OP of
// github.com/zitadel/oidc/v3 (example/server/exampleop with its in-memory
// storage). Both are test-only dependencies: nothing outside this package's
// tests imports them, and .ci/run checks that the library's packages do not
// link them. How each provider differs from Hugging Face, and what echohf
// does about it, is written in docs/providers.md.
package interop
