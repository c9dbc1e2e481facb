/**
 * Roles: who may moderate the room. Roles belong to device keys and are
 * granted by secrets the room knows only by their SHA-256:
 * - the owner secret: made by the device that created a private room (its
 *   first claim registers it), carried by the owner link; whoever presents
 *   it is an owner;
 * - the moderator link's secret: whoever presents it becomes a moderator;
 * - the operator token (the OPERATOR_TOKEN wrangler secret): an owner in any
 *   room, which is how the lobby and public rooms get owners.
 * A public room is never owned by its first visitor: anyone could squat it.
 */
import {
	atLeast,
	isPrivateRoomName,
	nameKey,
	ROLE_RANK,
	type Role,
	randomSecret,
	type StaffMember,
} from "../../protocol";
import { type RoleRow, RoleStore, type SecretKind } from "../store/roles";

/** How a secret proved a role. */
export type Proof = {
	role: StaffMember["role"];
	via: "registered" | "owner link" | "moderator link" | "operator token";
};

export class Roles {
	readonly #store: RoleStore;
	/** The roles table, in memory (every frame of every member asks it), read on first need: a room only read has no storage. */
	#loaded: Map<string, RoleRow> | undefined;

	constructor(
		sql: SqlStorage,
		private readonly room: string,
		private readonly operatorToken: string | undefined,
	) {
		this.#store = new RoleStore(sql);
	}

	get #byDevice(): Map<string, RoleRow> {
		this.#loaded ??= new Map(this.#store.roles().map((r) => [r.device, r]));
		return this.#loaded;
	}

	of(device: string): Role {
		return this.#byDevice.get(device)?.role ?? "member";
	}

	/**
	 * What a presented secret proves, if anything. The first secret presented
	 * in a new private room (`fresh`: no one has been in it yet) becomes its
	 * owner secret, as "New private room" registers it; a room people have been
	 * in is never given to whoever claims it first, even if its maker never
	 * registered (a banned device's claim would have made it an owner).
	 */
	async prove(secret: string, fresh: boolean): Promise<Proof | undefined> {
		const hash = await sha256(secret);
		const owner = this.#store.secretHash("owner");
		if (owner === hash) return { role: "owner", via: "owner link" };
		if (this.#store.secretHash("moderator") === hash) return { role: "moderator", via: "moderator link" };
		if (this.operatorToken && hash === (await sha256(this.operatorToken))) {
			return { role: "owner", via: "operator token" };
		}
		// Re-read after the awaits: another claim may have registered meanwhile.
		if (fresh && this.#store.secretHash("owner") === undefined && isPrivateRoomName(this.room)) {
			this.#store.setSecretHash("owner", hash);
			return { role: "owner", via: "registered" };
		}
		return undefined;
	}

	/** Gives a device a role, never lowering one it has. Returns whether anything changed. */
	grant(device: string, name: string, role: StaffMember["role"], now = Date.now()): boolean {
		const had = this.#byDevice.get(device);
		if (had && atLeast(had.role, role)) return false;
		this.#set({ device: device, role, name }, now);
		return true;
	}

	/** Keeps the name a staff member last used, for the lists. */
	noteName(device: string, name: string): void {
		const had = this.#byDevice.get(device);
		if (had && had.name !== name) this.#set({ ...had, name }, Date.now());
	}

	/**
	 * Makes a moderator's device a member again, whatever name it used: the
	 * role belongs to the device. Returns whether it was a moderator.
	 */
	demote(device: string): boolean {
		if (this.#byDevice.get(device)?.role !== "moderator") return false;
		this.#byDevice.delete(device);
		this.#store.removeRole(device);
		return true;
	}

	/**
	 * The moderators whose last name is `name` as a name calls someone (the
	 * protocol's nameKey: NFKC, case), with their device keys. Not by the
	 * look-alike skeleton: "SARN" is not Sam, as "@Sarn" mentions no Sam.
	 */
	moderatorsNamed(name: string): { device: string; name: string }[] {
		const wanted = nameKey(name);
		const named = [];
		for (const r of this.#byDevice.values()) {
			if (r.role === "moderator" && nameKey(r.name) === wanted) named.push({ device: r.device, name: r.name });
		}
		return named;
	}

	/**
	 * A new secret for a link; the old one stops working. A new owner secret
	 * also makes every other owner device a member: ownership stays with the
	 * devices that hold the current secret. Returns the secret and who lost
	 * their role.
	 */
	async newLink(kind: SecretKind, requester: string): Promise<{ secret: string; demoted: string[] }> {
		const secret = randomSecret();
		const hash = await sha256(secret);
		this.#store.setSecretHash(kind, hash);
		const demoted = [];
		if (kind === "owner") {
			for (const r of [...this.#byDevice.values()]) {
				if (r.role === "owner" && r.device !== requester) {
					this.#byDevice.delete(r.device);
					this.#store.removeRole(r.device);
					demoted.push(r.device);
				}
			}
		}
		return { secret, demoted };
	}

	revokeModeratorLink(): void {
		this.#store.setSecretHash("moderator", null);
	}

	hasModeratorLink(): boolean {
		return this.#store.secretHash("moderator") !== undefined;
	}

	/** The names of the room's moderators, present or not. */
	moderators(): string[] {
		return [...this.#byDevice.values()]
			.filter((r) => r.role === "moderator")
			.map((r) => r.name)
			.sort((a, b) => a.localeCompare(b));
	}

	/** Which of these members are owners or moderators: owners first, then by name. */
	staff(members: { name: string; device: string }[]): StaffMember[] {
		const staff: StaffMember[] = [];
		for (const m of members) {
			const role = this.of(m.device);
			if (role !== "member") staff.push({ name: m.name, role });
		}
		return staff.sort((a, b) => ROLE_RANK[b.role] - ROLE_RANK[a.role] || a.name.localeCompare(b.name));
	}

	#set(row: RoleRow, now: number): void {
		this.#byDevice.set(row.device, row);
		this.#store.setRole(row, now);
	}
}

async function sha256(text: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
	return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
