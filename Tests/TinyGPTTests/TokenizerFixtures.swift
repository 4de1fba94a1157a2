/// Small GSM8K-style texts shared by the tokenizer, data and checkpoint tests.
enum MathFixtures {
    static let problems: [String] = [
        "Please solve the following math problem.\nQuestion: Tom has 12 apples and buys 30 more. How many apples does he have?\nAnswer: Let's think step by step.\n",
        "Step 1: Tom starts with 12 apples.\nStep 2: He buys 30 more, so 12 + 30 = 42.\nThe answer is 42.",
        "Please solve the following math problem.\nQuestion: A box holds 7 pens. How many pens are in 9 boxes?\nAnswer: Let's think step by step.\n",
        "Step 1: Each box holds 7 pens.\nStep 2: 9 boxes hold 9 * 7 = 63 pens.\nThe answer is 63.",
        "Incorrect Step: Step 2.\nExplanation: 9 * 7 is 63, not 56.\nCorrect Solution: { ... Step 2: 9 * 7 = 63. The answer is 63. }",
        "Question: Sara had $150 and spent 25% of it. How much is left?\nStep 1: 25% of 150 is 37.5.\nStep 2: 150 - 37.5 = 112.5.\nThe answer is 112.5.",
    ]

    /// A text the tokenizers were not trained on, made only of characters they know.
    static let heldOut = "Step 3: Tom has 42 apples and 63 pens, so 42 + 63 = 105.\nThe answer is 105."
}
