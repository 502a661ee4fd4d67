// Uses every member of the page API as docs/API.md shows it; must compile
// under tsc --strict against banner/consentry.d.ts (TestDeclarationsCompile).
import type { ConsentState, ConsentryAPI } from "../../consentry";

const c: ConsentryAPI = window.consentry;
const s: ConsentState = c.state();
const analytics: boolean = s.categories["analytics"] === true;
const gpc: boolean = s.signals.gpc;
const method: "" | "accept_all" | "reject_all" | "custom" | "signal" = s.method;
c.open();
c.close();
async function choose(): Promise<string> {
  const a: ConsentState = await c.accept();
  const r: ConsentState = await c.reject();
  const v: ConsentState = await c.save(["preferences", "analytics"]);
  return a.id + r.version + v.time + s.regime + String(s.decided);
}
c.onReady((state: ConsentState) => state.decided);
const off: () => void = c.onChange((state) => console.log(state.categories));
off();
document.addEventListener("consent:ready", (e) => console.log(e.detail.regime));
document.addEventListener("consent:change", (e) => console.log(e.detail.categories["social"]));
export { analytics, gpc, method, choose };
