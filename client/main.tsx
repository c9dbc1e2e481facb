import { render } from "preact";
import { App } from "./shell/App";
import { roomName } from "./shell/app-store";
import { resume } from "./shell/resume";
import { takeSecretFromAddress } from "./shell/room-secrets";
import { followVisualViewport } from "./ui/viewport";
import "./styles.css";

// First, so that a link's secret is out of the address bar before anything else runs (shell/room-secrets.ts).
takeSecretFromAddress(roomName);
followVisualViewport();
resume();
render(<App />, document.getElementById("app") as HTMLElement);
