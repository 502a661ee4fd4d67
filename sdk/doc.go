// Package sdk is the Consentry engine: a cookie-consent banner, tag
// neutralisation, signed consent cookie and consent endpoints for any Go
// net/http server. The Caddy module in caddymodule is a thin adapter over it.
//
// The zero Options give a working opt-in banner over the built-in catalogue:
//
//	c, err := sdk.New(sdk.Options{PolicyVersion: "2022-08", PrivacyURL: "/privacy"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.ListenAndServe(":8080", c.Handler(mux))
//
// Inside a handler, the visitor's consent is on the request context:
//
//	if sdk.FromContext(r.Context()).Allowed("analytics") {
//		recordPageView(r)
//	}
//
// The pipeline for every request:
//
//  1. Read the signed consent cookie (a bad cookie is "no choice yet").
//  2. Read the browser's signals (Sec-GPC, DNT) and decide the regime.
//  3. Answer the consent endpoints under Options.Prefix itself.
//  4. Otherwise call next, rewriting text/html 200 responses as they stream:
//     tags of refused categories are neutralised and the state, the vendors'
//     consent defaults (SignalOptions: Google Consent Mode v2, Microsoft
//     UET and Clarity, Meta, TikTok) and banner assets are injected first
//     in <head>.
//
// This package imports nothing from Caddy.
package sdk
