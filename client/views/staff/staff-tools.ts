/** What owners and moderators see, in one chunk loaded only for them (staff-loader.ts). */
export { ModerationMenu } from "./ModerationMenu";
export { RoomSettings } from "./RoomSettings";
