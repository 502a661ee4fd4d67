// Every statement below changes what the page API keeps read-only; each
// must be a type error (TestDeclarationsCompile counts them: 6).
import type { ConsentryAPI } from "../../consentry";

declare const c: ConsentryAPI;
window.consentry = c;
c.accept = () => Promise.reject(new Error("hijacked"));
c.state().decided = true;
c.state().categories["analytics"] = true;
c.state().signals.gpc = true;
c.save("analytics");
