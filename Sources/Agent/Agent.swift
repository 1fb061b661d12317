// Module Agent: tool registry, agent loop and escalation policy, built on Runtime.
