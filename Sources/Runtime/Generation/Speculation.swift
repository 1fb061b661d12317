import Tensor

/// How the decode loop gets more than one token out of a forward pass: it drafts tokens that
/// probably come next and checks them all in one pass (`Model.forwardSteps`). Every drafted token
/// is checked by sampling the model's own next token at its position and comparing: a draft is
/// kept only where the sample equals it, and the first sample that differs is kept instead. The
/// output is therefore exactly what decoding one token per step gives (for greedy decoding the
/// same text; for sampling the same distribution, since each kept token is a sample from the
/// model's own distribution). Only the cost changes: a pass that checks k drafts reads the
/// weights once for up to k + 1 tokens.
public struct SpeculationOptions: Sendable {
    /// Under a grammar, draft the tokens that spell the bytes the grammar forces next (`{"name": "`,
    /// the rest of the only key or enum value that fits, closing brackets).
    public var jumpForward: JumpForward
    /// Prompt lookup: most tokens drafted per step by finding the context's last n-gram earlier
    /// in the context (the prompt, tool results) and copying what followed it; 0 turns it off.
    public var lookup: Int
    /// The longest n-gram prompt lookup matches (it tries shorter ones down to 1).
    public var lookupNGram: Int
    /// A smaller model with the same vocabulary that drafts greedily after the forced and looked-up
    /// tokens.
    public var draftModel: DraftModel?
    /// Most tokens the draft model proposes per step; the loop adapts below it to how many were
    /// accepted.
    public var draftMax: Int
    /// Check only the drafted prefix expected to pay for its rows, from each source's acceptance
    /// so far and the measured cost of a row (`Drafter.worthChecking`); false checks every
    /// drafted token.
    public var adaptive: Bool

    public init(jumpForward: JumpForward = .checked, lookup: Int = 0, lookupNGram: Int = 3, draftModel: DraftModel? = nil,
                draftMax: Int = 8, adaptive: Bool = true) {
        self.jumpForward = jumpForward
        self.lookup = max(0, lookup)
        self.lookupNGram = max(1, lookupNGram)
        self.draftModel = draftModel
        self.draftMax = max(0, draftMax)
        self.adaptive = adaptive
    }

    /// Decoding one token per step.
    public static let off = SpeculationOptions(jumpForward: .off)

    /// Whether any drafting is asked for (jump-forward counts only under a grammar).
    func drafts(constrained: Bool) -> Bool {
        (jumpForward != .off && constrained) || lookup > 0 || (draftModel != nil && draftMax > 0)
    }
}

/// What jump-forward does with the text a grammar forces.
public enum JumpForward: String, Sendable, CaseIterable {
    case off
    /// The forced text's tokens are drafted and checked like any draft: the output is the one
    /// step-by-step decoding gives, token for token. A model often spells forced text with other
    /// tokens than the tokenizer would (`n`, `am`, `e` for `name`); those drafts are rejected.
    case checked
    /// The forced text's tokens (as the tokenizer spells them) are taken without sampling: no
    /// logits are computed for them and none is rejected. The text is the same up to the end of
    /// the forced run, but the model then continues after the tokenizer's spelling rather than
    /// its own, which can change what it writes next.
    case appended
}

/// A draft model and its own KV cache. One generation uses it at a time.
public final class DraftModel: @unchecked Sendable {
    public let model: Model
    public let cache: KVCache

    /// `model` must share the target's vocabulary (same size; the loop checks it).
    public init(model: Model, contextLength: Int? = nil, pool: ThreadPool = .shared) {
        self.model = model
        cache = model.makeCache(contextLength: contextLength, precision: .f16, pool: pool)
    }
}

/// What speculation did in one generation.
public struct SpeculationStats: Sendable, Equatable {
    /// Tokens drafted and checked, and how many of them the model accepted, by where they came from.
    public var forced = Count()
    public var lookup = Count()
    public var model = Count()

    public struct Count: Sendable, Equatable {
        public var drafted = 0
        public var accepted = 0
    }

    public var drafted: Int { forced.drafted + lookup.drafted + model.drafted }
    public var accepted: Int { forced.accepted + lookup.accepted + model.accepted }
    /// Accepted drafts over drafted ones (0 when nothing was drafted).
    public var acceptanceRate: Double { drafted > 0 ? Double(accepted) / Double(drafted) : 0 }
}
