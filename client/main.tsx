import { render } from "preact";
import { App } from "./App";
import { roomName } from "./app-store";
import { takeSecretFromAddress } from "./room-secrets";
import { resume } from "./session";
import { followVisualViewport } from "./ui/viewport";
import "./styles.css";

// First, so that a link's secret is out of the address bar before anything else runs (room-secrets.ts).
takeSecretFromAddress(roomName);
followVisualViewport();
resume();
render(<App />, document.getElementById("app") as HTMLElement);
