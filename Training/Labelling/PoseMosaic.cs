using UniHCP.Pipeline.Core.Events;

namespace UniHCP.Pipeline.Training.Labelling;

/// <summary>
/// MoveNet MultiPose on person crops: it finds at most six people per pass and almost nobody under ~150 px tall in a
/// whole frame (TEACHER-NOTES.md), so each person's region is cut out, scaled to one cell of a grid and up to
/// <see cref="Cells"/> people go through one pass. Regions keep the cell's aspect (no stretching) and reach a margin
/// beyond the box; what lies outside the frame is black. Each cell's answer is the MoveNet person whose box centre is
/// in that cell and overlaps the expected box best.
/// </summary>
public sealed record PoseMosaic(int Columns = 3, int Rows = 2, int CellWidth = 128, int CellHeight = 256, float Margin = 0.15f)
{
    /// <summary>Values per MoveNet person: 17 x (y, x, score), then ymin, xmin, ymax, xmax, score.</summary>
    public const int PersonValues = 56;

    public const int Joints = 17;

    public int Cells => Columns * Rows;

    public int InputWidth => Columns * CellWidth;

    public int InputHeight => Rows * CellHeight;

    /// <summary>The frame region that fills a cell for <paramref name="person"/>: the box grown by the margin on every
    /// side, then widened or heightened to the cell's aspect around the same centre.</summary>
    public BoundingBox Region(BoundingBox person)
    {
        float width = person.Width * (1 + (2 * Margin)), height = person.Height * (1 + (2 * Margin));
        float aspect = (float)CellWidth / CellHeight;
        if (width / height < aspect)
            width = height * aspect;
        else
            height = width / aspect;
        float cx = (person.X1 + person.X2) / 2, cy = (person.Y1 + person.Y2) / 2;
        return new BoundingBox(cx - (width / 2), cy - (height / 2), cx + (width / 2), cy + (height / 2));
    }

    /// <summary>The keypoints of each person of one pass, in frame pixels, from the pass's [6, 56] output; null where
    /// the cell holds no MoveNet person of at least <paramref name="minPersonScore"/> that overlaps the person.</summary>
    public IReadOnlyList<Keypoint>?[] Assign(ReadOnlySpan<float> people, IReadOnlyList<BoundingBox> persons, float minPersonScore)
    {
        if (people.Length % PersonValues != 0)
            throw new ArgumentException($"MoveNet output has {people.Length} values, not a multiple of {PersonValues}.");
        if (persons.Count > Cells)
            throw new ArgumentException($"{persons.Count} persons do not fit {Cells} cells.");
        var answers = new IReadOnlyList<Keypoint>?[persons.Count];
        var best = new float[persons.Count];
        for (int p = 0; p < people.Length / PersonValues; p++)
        {
            var values = people.Slice(p * PersonValues, PersonValues);
            float score = values[PersonValues - 1];
            if (!(score >= minPersonScore))
                continue;
            // Box in mosaic units (0..Columns, 0..Rows): the cell is the integer part of its centre.
            float x1 = values[(3 * Joints) + 1] * Columns, y1 = values[3 * Joints] * Rows;
            float x2 = values[(3 * Joints) + 3] * Columns, y2 = values[(3 * Joints) + 2] * Rows;
            int column = (int)Math.Floor((x1 + x2) / 2), row = (int)Math.Floor((y1 + y2) / 2);
            if (column < 0 || column >= Columns || row < 0 || row >= Rows)
                continue;
            int cell = (row * Columns) + column;
            if (cell >= persons.Count)
                continue;
            var region = Region(persons[cell]);
            var found = new BoundingBox(ToFrameX(x1 - column, region), ToFrameY(y1 - row, region), ToFrameX(x2 - column, region), ToFrameY(y2 - row, region));
            float overlap = found.IoU(persons[cell]);
            if (overlap < 0.3f || overlap <= best[cell])
                continue;
            best[cell] = overlap;
            var joints = new Keypoint[Joints];
            for (int j = 0; j < Joints; j++)
            {
                float y = (values[3 * j] * Rows) - row, x = (values[(3 * j) + 1] * Columns) - column, s = values[(3 * j) + 2];
                joints[j] = new Keypoint(ToFrameX(x, region), ToFrameY(y, region), s, s >= 0.3f);
            }
            answers[cell] = joints;
        }
        return answers;
    }

    // A cell coordinate u in 0..1 spans the region's sampled pixel centres from X1 to X2 (crop-and-resize samples the
    // region's corners at the first and last cell pixels).
    private float ToFrameX(float u, BoundingBox region) => region.X1 + (((u * CellWidth) - 0.5f) * region.Width / (CellWidth - 1));

    private float ToFrameY(float v, BoundingBox region) => region.Y1 + (((v * CellHeight) - 0.5f) * region.Height / (CellHeight - 1));
}
