import { Avatar } from "./Avatar";
import { myName, online as onlineNames } from "./chat-store";
import { RoleBadge } from "./RoleBadge";
import { canActOn, roleOf } from "./roles";
import { staffUi } from "./staff-ui";

export function OnlineList() {
	const online = onlineNames.value;
	const name = myName.value;
	return (
		<aside class="online" aria-labelledby="online-title">
			<h2 id="online-title">
				Online <span class="count">{online.length}</span>
			</h2>
			<ul aria-labelledby="online-title">
				{online.map((n) => (
					<li key={n}>
						<Avatar name={n} />
						<span class="online-name">{n}</span>
						<RoleBadge role={roleOf(n)} />
						{n === name && <span class="you"> (you)</span>}
						{n !== name && canActOn(roleOf(n)) && staffUi.value && (
							<staffUi.value.ModerationMenu name={n} target={{ name: n }} />
						)}
					</li>
				))}
			</ul>
		</aside>
	);
}
