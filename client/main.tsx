import { render } from "preact";
import { App } from "./App";
import { resume } from "./session";
import { followVisualViewport } from "./viewport";
import "./styles.css";

followVisualViewport();
resume();
render(<App />, document.getElementById("app") as HTMLElement);
