// TypeScript declarations for Consentry's page API, window.consentry, and
// its DOM events. Reference: docs/API.md. Use it with
//   /// <reference path="consentry.d.ts" />
// or by copying it into a project's type roots.

/** How a choice was made; "" before one. */
export type ConsentMethod = "" | "accept_all" | "reject_all" | "custom" | "signal";

/** The legal regime the visitor's state was decided under. */
export type ConsentRegime = "opt-in" | "opt-out" | "notice";

/**
 * The visitor's consent state, as GET /_consent returns it. Every copy the
 * API hands out is frozen.
 */
export interface ConsentState {
  /** The random consent id, hex; "" before a choice. */
  readonly id: string;
  /** The policy version the choice was made under (the current one before a choice). */
  readonly version: string;
  readonly regime: ConsentRegime;
  /** True once the visitor has made a choice. */
  readonly decided: boolean;
  readonly method: ConsentMethod;
  /** When the choice was made (RFC 3339, UTC); "" before a choice. */
  readonly time: string;
  /** Every configured category key ("necessary", "analytics", …) and whether it is granted. */
  readonly categories: Readonly<Record<string, boolean>>;
  /** The privacy signals of the request: Global Privacy Control and Do Not Track. */
  readonly signals: Readonly<{ gpc: boolean; dnt: boolean }>;
}

/** window.consentry: frozen; no member can be replaced or added. */
export interface ConsentryAPI {
  /** A frozen copy of the visitor's current state. */
  readonly state: () => ConsentState;
  /** Opens the preference centre. */
  readonly open: () => void;
  /** Closes the preference centre; nothing is granted. */
  readonly close: () => void;
  /** Grants every category; resolves with the new state. */
  readonly accept: () => Promise<ConsentState>;
  /** Refuses every category but necessary; resolves with the new state. */
  readonly reject: () => Promise<ConsentState>;
  /** Grants exactly these categories (and necessary); rejects on an unknown key. */
  readonly save: (categories: readonly string[]) => Promise<ConsentState>;
  /** Calls back once, with the state, when the banner has started (at once if it has). */
  readonly onReady: (callback: (state: ConsentState) => void) => void;
  /** Calls back with the new state after every choice; returns the unsubscribe function. */
  readonly onChange: (callback: (state: ConsentState) => void) => () => void;
}

declare global {
  interface Window {
    readonly consentry: ConsentryAPI;
  }
  interface DocumentEventMap {
    /** Dispatched on document once, when the banner has started. */
    "consent:ready": CustomEvent<ConsentState>;
    /** Dispatched on document after every choice, with the new state. */
    "consent:change": CustomEvent<ConsentState>;
  }
}
