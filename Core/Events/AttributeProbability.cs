namespace UniHCP.Pipeline.Core.Events;

/// <summary>A named person attribute (e.g. "Female", "Backpack") and its predicted probability in [0, 1].</summary>
public readonly record struct AttributeProbability(string Name, float Probability);
