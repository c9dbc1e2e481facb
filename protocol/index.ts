/**
 * The Hashzap wire protocol, shared by the worker and the client.
 *
 * It holds the two frame unions (named by direction), the schema every client
 * frame is checked against, and the limits. It imports nothing but valibot so
 * that it type-checks under both the DOM and the Workers libs.
 * docs/protocol.md describes every frame with examples.
 *
 * Versions: old and new code talk during a deploy (a running room keeps its
 * code for up to an hour). A client says its PROTOCOL_VERSION in the socket
 * URL (`?v=2`) and the room in its welcome; each side sends only frames and
 * fields the other's version knows, and ignores server frame types it does
 * not know. The room answers unknown client frames with `unknown_type`.
 */

export * from "./frames";
export * from "./limits";
export * from "./moderation";
export * from "./reactions";
export * from "./secrets";
export * from "./text";
export * from "./timing";
