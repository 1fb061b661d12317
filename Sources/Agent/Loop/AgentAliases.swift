/// Other names for the agent loop and the tool protocol, for modules that declare their own
/// `Agent` and `Tool` (the `SwiftLLM` facade does) and still need these: there, `Agent.Tool`
/// would name a member of their own `Agent`.
public typealias AgentLoop = Agent
public typealias AgentTool = Tool
