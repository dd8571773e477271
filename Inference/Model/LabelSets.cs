namespace UniHCP.Pipeline.Inference.Model;

/// <summary>The label sets of the release checkpoint's tasks.</summary>
public static class LabelSets
{
    /// <summary>COCO's 17 keypoints, in COCO order.</summary>
    public static IReadOnlyList<string> CocoJoints { get; } =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder",
        "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip",
        "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    public static IReadOnlyList<(int, int)> CocoJointFlipPairs { get; } =
        [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16)];

    /// <summary>LIP/CIHP parsing classes; 0 is background.</summary>
    public static IReadOnlyList<string> LipParts { get; } =
    [
        "background", "hat", "hair", "glove", "sunglasses", "upper_clothes", "dress", "coat", "socks", "pants",
        "jumpsuit", "scarf", "skirt", "face", "left_arm", "right_arm", "left_leg", "right_leg", "left_shoe", "right_shoe",
    ];

    public static IReadOnlyList<(int, int)> LipPartFlipPairs { get; } = [(14, 15), (16, 17), (18, 19)];

    /// <summary>PA-100K's 26 attributes, in the dataset's order.</summary>
    public static IReadOnlyList<string> Pa100kAttributes { get; } =
    [
        "Hat", "Glasses", "ShortSleeve", "LongSleeve", "UpperStride", "UpperLogo", "UpperPlaid", "UpperSplice",
        "LowerStripe", "LowerPattern", "LongCoat", "Trousers", "Shorts", "Skirt&Dress", "Boots", "HandBag",
        "ShoulderBag", "Backpack", "HoldObjectsInFront", "AgeOver60", "Age18-60", "AgeLess18", "Female",
        "Front", "Side", "Back",
    ];

    /// <summary>Names of the ReID queries (each contributes a slice of the concatenated embedding).</summary>
    public static IReadOnlyList<string> ReIdParts(int count) => Enumerable.Range(0, count).Select(i => $"part{i}").ToList();
}
