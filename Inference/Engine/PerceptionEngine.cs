using UniHCP.Pipeline.Core.Events;
using UniHCP.Pipeline.Inference.Checkpoints;
using UniHCP.Pipeline.Inference.Model;
using UniHCP.Pipeline.Inference.Processing;
using static TorchSharp.torch;

namespace UniHCP.Pipeline.Inference.Engine;

/// <summary>
/// The model as a service for frames: detection on whole frames, then every configured task on
/// person crops, with results as typed records (tensors never leave this class). Built once by
/// <see cref="PerceptionEngineBuilder"/>; device, precision, weights and task set cannot change (a new
/// weights version means a new engine). All tensor work of a call runs on the calling thread (libtorch's dispose
/// scopes are per thread); calls from several threads at once are safe (the model is only read: the inference
/// stage's lanes share one engine), but <see cref="Dispose"/> must not overlap a call.
/// </summary>
public sealed class PerceptionEngine : IDisposable
{
    private readonly UniHcpModel _model;
    private readonly Device _device;
    private readonly TaskSpec _detection;
    private readonly List<CropGroup> _cropGroups;
    private readonly IgnoreAreaFilter _ignore;
    private bool _disposed;
    private static readonly Dictionary<string, float> s_noParts = [];

    internal PerceptionEngine(UniHcpModel model, WeightsMetadata metadata, InferenceHints hints, PerceptionOptions options, Device device, IReadOnlyList<TaskSpec> cropTasks)
    {
        _model = model;
        _device = device;
        Metadata = metadata;
        Hints = hints;
        Options = options;
        DetectionResize = options.DetectionResize ?? throw new ArgumentException("The builder resolves the detection resize.", nameof(options));
        _detection = model.Tasks.FirstOf(TaskType.Detection)
            ?? throw new ArgumentException("The weights have no detection task; the engine needs one to find persons.");
        CropTasks = cropTasks;
        _ignore = new IgnoreAreaFilter(options.IgnoreAreas);
        // Tasks that read the same crop size share one encoder pass.
        _cropGroups = cropTasks
            .GroupBy(t => InputSize(t.Type))
            .Select(g => new CropGroup(g.Key, g.ToList()))
            .ToList();
    }

    public WeightsMetadata Metadata { get; }

    /// <summary>Encoder passes run so far (detection batches, crop batches, flip-test batches): tasks
    /// that read the same crop size share one pass, except a task with its own encoder, which gets its own.</summary>
    public long EncoderPasses => Interlocked.Read(ref _encoderPasses);

    private long _encoderPasses;

    public string ModelVersion => Metadata.Version;

    /// <summary>Detections dropped so far because their foot point lay in an ignore area (<see cref="PerceptionOptions.IgnoreAreas"/>).</summary>
    public long IgnoredDetections => _ignore.Dropped;

    /// <summary>Replaces every camera's ignore areas from the next frame on (validated by the caller: the store's
    /// latest versions, re-read while the stage runs). Thread-safe.</summary>
    public void SetIgnoreAreas(IReadOnlyDictionary<string, IReadOnlyList<Core.Geometry.IgnoreArea>> areas) => _ignore.Replace(areas);

    /// <summary>The options in effect: the caller's, with what it left null filled from <see cref="Hints"/>.</summary>
    public PerceptionOptions Options { get; }

    /// <summary>What the weights file says about how to run it.</summary>
    public InferenceHints Hints { get; }

    /// <summary>The detection input size in effect.</summary>
    public DetectionResize DetectionResize { get; }

    /// <summary>Tasks run on each person crop (detection aside).</summary>
    public IReadOnlyList<TaskSpec> CropTasks { get; }

    /// <summary>Finds the persons in every frame and describes each with the configured tasks.</summary>
    public IReadOnlyList<PersonObservations> Process(IReadOnlyList<VideoFrame> frames) => Process(frames, null);

    /// <summary>Finds the persons in every frame and runs the person tasks on those <paramref name="describe"/> picks
    /// (given the frame's index in the batch and its detections; null: everyone). Every person keeps box, score and
    /// clothing colours.</summary>
    public IReadOnlyList<PersonObservations> Process(IReadOnlyList<VideoFrame> frames, Func<int, IReadOnlyList<Detection>, bool[]>? describe) =>
        DetectAndDescribe(frames, (images, detections, drafts) =>
        {
            if (describe is null)
            {
                RunCrops(drafts, images);
                return;
            }
            // One crop batch for the whole batch of frames.
            var chosen = detections.Select((d, f) => describe(f, d)).ToList();
            RunCrops(drafts.Where(d => chosen[d.Frame][d.Index]).ToList(), images);
        });

    /// <summary>Finds the persons in every frame and lets <paramref name="planner"/> describe them frame by frame, in
    /// rounds (it may ask for more persons after seeing the embeddings of the first). Every person keeps box, score and
    /// clothing colours.</summary>
    public IReadOnlyList<PersonObservations> Process(IReadOnlyList<VideoFrame> frames, PersonTaskPlanner planner) => Process(frames, planner, null);

    /// <summary>As <see cref="Process(IReadOnlyList{VideoFrame}, PersonTaskPlanner)"/> (no planner: every person
    /// described), reading each frame of a camera read as tiles with only the tiles <paramref name="tilesToRead"/> marks
    /// for it (one flag per tile of <see cref="DetectionTiles.Layout"/>, all false: the whole frame only; a null entry
    /// or list: every tile). A frame that skipped tiles says which people may be missing from it
    /// (<see cref="PersonObservations.UnsearchedBelowHeight"/>). <paramref name="amend"/>, when given, sees each
    /// frame's detections in order (frame index in the batch, detections) before anything describes them, and returns
    /// the ones to keep (e.g. with people carried over from an earlier frame).</summary>
    public IReadOnlyList<PersonObservations> Process(IReadOnlyList<VideoFrame> frames, PersonTaskPlanner? planner, IReadOnlyList<bool[]?>? tilesToRead,
        Func<int, IReadOnlyList<Detection>, IReadOnlyList<Detection>>? amend = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (tilesToRead is not null)
        {
            if (tilesToRead.Count != frames.Count)
                throw new ArgumentException($"{frames.Count} frames but {tilesToRead.Count} tile choices.", nameof(tilesToRead));
            for (int f = 0; f < frames.Count; f++)
            {
                int grid = Options.TilesFor(frames[f].CameraId, frames[f].Width, frames[f].Height);
                if (tilesToRead[f] is { } read && read.Length != grid * grid)
                    throw new ArgumentException($"Frame {f} ('{frames[f].CameraId}') is read in {grid * grid} tiles, not {read.Length}.", nameof(tilesToRead));
            }
        }
        return DetectAndDescribe(frames, planner is null
            ? (images, _, drafts) => RunCrops(drafts, images)
            : (images, detections, drafts) => Plan(planner, images, detections, drafts), tilesToRead, amend);
    }

    /// <summary>The height under which people may be missing from a frame read with <paramref name="tilesToRead"/>
    /// (null: every tile): 0 unless the camera is read as tiles and some were skipped.</summary>
    public float UnsearchedBelowHeight(VideoFrame frame, bool[]? tilesToRead)
    {
        ArgumentNullException.ThrowIfNull(frame);
        return tilesToRead is not null && tilesToRead.Any(read => !read) ? Options.UnsearchedBelowHeight(frame.CameraId, frame.Width, frame.Height) : 0;
    }

    /// <summary>Detection on the frames, then <paramref name="describe"/> on the persons found (images, detections,
    /// drafts), then colours and the results; the tensors live until the results are made.</summary>
    private List<PersonObservations> DetectAndDescribe(IReadOnlyList<VideoFrame> frames,
        Action<List<Tensor>, IReadOnlyList<IReadOnlyList<Detection>>, List<PersonDraft>> describe, IReadOnlyList<bool[]?>? tilesToRead = null,
        Func<int, IReadOnlyList<Detection>, IReadOnlyList<Detection>>? amend = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var images = frames.Select(f => ImageTensors.FromFrame(f, _device)).ToList();
        var detections = DetectCore(frames, images, tilesToRead);
        for (int f = 0; f < frames.Count && amend is not null; f++)
            detections[f] = amend(f, detections[f]);
        var drafts = Drafts(detections);
        describe(images, detections, drafts);
        var results = Finish(frames, drafts);
        for (int f = 0; f < frames.Count && tilesToRead is not null; f++)
        {
            if (UnsearchedBelowHeight(frames[f], tilesToRead[f]) is > 0 and var height)
                results[f] = results[f] with { UnsearchedBelowHeight = height };
        }
        return results;
    }

    private void Plan(PersonTaskPlanner planner, List<Tensor> images, IReadOnlyList<IReadOnlyList<Detection>> detections, List<PersonDraft> drafts)
    {
        for (int f = 0; f < detections.Count; f++)
        {
            var own = drafts.Where(d => d.Frame == f).ToList();
            var done = new bool[own.Count];
            planner(f, detections[f], indices =>
            {
                var fresh = new List<PersonDraft>();
                foreach (int i in indices)
                {
                    if (i < 0 || i >= own.Count)
                        throw new ArgumentOutOfRangeException(nameof(indices), i, $"Frame {f} has {own.Count} detections.");
                    if (!done[i])
                        fresh.Add(own[i]);
                    done[i] = true;
                }
                RunCrops(fresh.Distinct().ToList(), images);
                return indices.Select(i => own[i].Embedding).ToList();
            });
        }
    }

    /// <summary>Detection only.</summary>
    public IReadOnlyList<IReadOnlyList<Detection>> Detect(IReadOnlyList<VideoFrame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var images = frames.Select(f => ImageTensors.FromFrame(f, _device)).ToList();
        return DetectCore(frames, images);
    }

    /// <summary>Describes given persons (e.g. boxes carried by the tracker between detection frames).</summary>
    public IReadOnlyList<PersonObservations> Describe(IReadOnlyList<VideoFrame> frames, IReadOnlyList<IReadOnlyList<Detection>> persons)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(persons);
        if (frames.Count != persons.Count)
            throw new ArgumentException($"{frames.Count} frames but {persons.Count} person lists.");
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var inference = inference_mode();
        var images = frames.Select(f => ImageTensors.FromFrame(f, _device)).ToList();
        var drafts = Drafts(persons);
        RunCrops(drafts, images);
        return Finish(frames, drafts);
    }

    private List<IReadOnlyList<Detection>> DetectCore(IReadOnlyList<VideoFrame> frames, List<Tensor> images, IReadOnlyList<bool[]?>? tilesToRead = null)
    {
        var result = new IReadOnlyList<Detection>[frames.Count];
        bool Reads(int frame, int tile) => tilesToRead?[frame] is not { } read || read[tile];
        // Frames of one size (and tile grid) are resized alike and batched together.
        foreach (var group in Enumerable.Range(0, frames.Count).GroupBy(i => (frames[i].Width, frames[i].Height,
            Tiles: tilesToRead?[i] is { } read && !read.Any(r => r) ? 1 : Options.TilesFor(frames[i].CameraId, frames[i].Width, frames[i].Height))))
        {
            var (width, height) = DetectionResize.SizeFor(group.Key.Width, group.Key.Height);
            var indices = group.ToList();
            var source = cat(indices.Select(i => images[i]).ToList(), 0);
            var whole = DetectBatch(ImageTensors.Resize(source, width, height), width, height, group.Key.Width, group.Key.Height);
            // Tiles (Options.DetectionTiles): per tile position, one batch of the group's frames that read it.
            var tiles = DetectionTiles.Layout(group.Key.Width, group.Key.Height, group.Key.Tiles);
            var byTile = tiles.Select((tile, t) =>
            {
                var reading = Enumerable.Range(0, indices.Count).Where(k => Reads(indices[k], t)).ToList();
                var found = new List<Detection>?[indices.Count];
                if (reading.Count == 0)
                    return found;
                var (tileWidth, tileHeight) = DetectionResize.SizeFor(tile.Width, tile.Height);
                var frameBatch = reading.Count == indices.Count ? source : source.index_select(0, tensor(reading.Select(k => (long)k).ToArray(), device: source.device));
                var crop = frameBatch.narrow(2, tile.Y, tile.Height).narrow(3, tile.X, tile.Width);
                var detected = DetectBatch(ImageTensors.Resize(crop, tileWidth, tileHeight), tileWidth, tileHeight, tile.Width, tile.Height);
                for (int j = 0; j < reading.Count; j++)
                    found[reading[j]] = detected[j];
                return found;
            }).ToList();
            for (int k = 0; k < indices.Count; k++)
            {
                var frame = frames[indices[k]];
                var read = tiles.Select((tile, t) => (tile, Found: byTile[t][k])).Where(p => p.Found is not null)
                    .Select(p => (p.tile, (IReadOnlyList<Detection>)p.Found!)).ToList();
                var found = tiles.Count == 0 ? whole[k] : DetectionTiles.Merge(whole[k], read, frame.Width, frame.Height, Options.MaxDetections);
                result[indices[k]] = _ignore.Keep(frame.CameraId, found);
            }
        }
        return [.. result];
    }

    // One detection pass over a batch resized to width x height; boxes in pixels of images of sourceWidth x sourceHeight.
    private List<List<Detection>> DetectBatch(Tensor batch, int width, int height, int sourceWidth, int sourceHeight)
    {
        var tokens = Encode(batch);
        using var output = _model.Run(_detection.Name, tokens);
        float[] logits = ToArray(output.GlobalLogits!);
        float[] boxes = ToArray(output.Boxes!);
        int queries = _detection.Queries;
        // Our weights predict fractions of the padded canvas, the release's of the unpadded image (its
        // post-processing multiplies them by the original image size).
        var canvas = Hints.BoxFrame.ImageScale(_model, width, height);
        return [.. Enumerable.Range(0, (int)batch.shape[0]).Select(k => TaskDecoders.Detections(
            logits.AsSpan(k * queries, queries), boxes.AsSpan(k * queries * 4, queries * 4),
            sourceWidth, sourceHeight, Options.DetectionThreshold, Options.MaxDetections, Options.ScoreLogitShift ?? 0, Options.DuplicateIoU, canvas))];
    }

    private static List<PersonDraft> Drafts(IReadOnlyList<IReadOnlyList<Detection>> persons)
    {
        var drafts = new List<PersonDraft>();
        for (int f = 0; f < persons.Count; f++)
        {
            for (int p = 0; p < persons[f].Count; p++)
                drafts.Add(new PersonDraft(f, p, persons[f][p]));
        }
        return drafts;
    }

    /// <summary>The crop tasks on the given persons, in chunks of at most <see cref="PerceptionOptions.MaxCropsPerBatch"/>.</summary>
    private void RunCrops(List<PersonDraft> described, List<Tensor> images)
    {
        if (described.Count == 0)
            return;
        foreach (var group in _cropGroups)
        {
            for (int start = 0; start < described.Count; start += Options.MaxCropsPerBatch)
            {
                using var chunkScope = NewDisposeScope();
                var chunk = described.Skip(start).Take(Options.MaxCropsPerBatch).ToList();
                RunCropGroup(group, chunk, images);
            }
        }
    }

    private List<PersonObservations> Finish(IReadOnlyList<VideoFrame> frames, List<PersonDraft> drafts)
    {
        // Every person gets clothing colours: from parsing where it ran, else from the frame's pixels in body regions
        // (found by the pose keypoints where they ran, else fixed parts of the box).
        if (Options.ClothingColours)
        {
            foreach (var draft in drafts.Where(d => d.Parsing is null))
            {
                var (upper, lower) = ClothingColours.Of(frames[draft.Frame], draft.Detection.Box, draft.Keypoints);
                draft.Parsing = new ParsingSummary(s_noParts, upper, lower);
            }
        }
        return Enumerable.Range(0, frames.Count).Select(f => new PersonObservations(
            frames[f].CameraId, frames[f].Sequence, frames[f].CaptureTime, frames[f].Width, frames[f].Height, ModelVersion,
            drafts.Where(d => d.Frame == f).Select(d => d.ToObservation()).ToList())).ToList();
    }

    private void RunCropGroup(CropGroup group, List<PersonDraft> chunk, List<Tensor> images)
    {
        var size = group.Size;
        var boxes = chunk.Select(d => CropBox.Around(d.Detection.Box, size.Width, size.Height)).ToList();
        // Crops of one frame come from one sampling call; the crops of all frames form one batch.
        var crops = cat(chunk.Select((d, i) => (d, i)).GroupBy(x => x.d.Frame)
            .Select(g => ImageTensors.Crops(images[g.Key], g.Select(x => boxes[x.i]).ToList(), size)).ToList(), 0);
        var order = chunk.Select((d, i) => (d, i)).GroupBy(x => x.d.Frame).SelectMany(g => g.Select(x => x.i)).ToList();
        // One encoder pass serves every task that reads the shared encoder; a task with its own encoder gets its own pass.
        foreach (var reading in group.Tasks.GroupBy(t => _model.HasOwnEncoder(t.Name) ? t.Name : null))
            RunOnTokens(reading.ToList(), reading.Key, crops, boxes, order, chunk);
    }

    private void RunOnTokens(List<TaskSpec> tasks, string? ownEncoder, Tensor crops, List<CropBox> boxes, List<int> order, List<PersonDraft> chunk)
    {
        using var scope = NewDisposeScope();
        var tokens = Encode(crops, ownEncoder);
        var maskFeatures = tasks.FirstOrDefault(t => t.Type.NeedsMaskFeatures()) is { } local ? _model.MaskFeatures(tokens, local.Name) : null;
        foreach (var task in tasks)
        {
            using var output = _model.Run(task.Name, tokens, maskFeatures);
            switch (task.Type)
            {
                case TaskType.Pose:
                    DecodePose(task, output, crops, boxes, order, chunk);
                    break;
                case TaskType.Parsing:
                    DecodeParsing(task, output, crops, order, chunk);
                    break;
                case TaskType.Attributes:
                    float[] logits = ToArray(output.GlobalLogits!);
                    for (int k = 0; k < order.Count; k++)
                        chunk[order[k]].Attributes = TaskDecoders.Attributes(logits.AsSpan(k * task.Queries, task.Queries), task.Labels);
                    break;
                case TaskType.ReId or TaskType.ClothChangingReId:
                    float[] features = ToArray(output.Features!);
                    int width = (int)output.Features!.shape[1];
                    for (int k = 0; k < order.Count; k++)
                        chunk[order[k]].Embedding = TaskDecoders.Embedding(features.AsSpan(k * width, width));
                    break;
            }
        }
    }

    private void DecodePose(TaskSpec task, TaskOutput output, Tensor crops, List<CropBox> boxes, List<int> order, List<PersonDraft> chunk)
    {
        var heatmaps = output.LocalMapLogits!;
        int joints = task.Queries, height = (int)heatmaps.shape[2], width = (int)heatmaps.shape[3];
        float[] maps = ToArray(heatmaps);
        float[] visibility = ToArray(output.GlobalLogits!);
        float[]? flipped = Options.PoseFlipTest ? ToArray(FlippedHeatmaps(task, crops)) : null;
        int plane = joints * height * width;
        for (int k = 0; k < order.Count; k++)
        {
            var own = maps.AsSpan(k * plane, plane);
            float[] averaged = own.ToArray();
            if (flipped is not null)
            {
                var back = HeatmapDecoder.FlipBack(flipped.AsSpan(k * plane, plane), joints, height, width, task.FlipPairs);
                for (int i = 0; i < plane; i++)
                    averaged[i] = (averaged[i] + back[i]) * 0.5f;
            }
            int person = order[k];
            chunk[person].Keypoints = TaskDecoders.Keypoints(averaged, visibility.AsSpan(k * joints, joints), joints, height, width, boxes[person], Options.VisibilityThreshold);
        }
    }

    // The mirrored crops through the encoder, neck and pose queries. The official evaluation
    // mirrors the already normalised crop and normalises it again; OfficialFlipNormalisation keeps that.
    private Tensor FlippedHeatmaps(TaskSpec task, Tensor crops)
    {
        var mirrored = Options.OfficialFlipNormalisation
            ? _model.EncoderOf(task.Name).Normalize(crops).flip(3)
            : crops.flip(3);
        var tokens = Encode(mirrored, task.Name);
        using var output = _model.Run(task.Name, tokens, _model.MaskFeatures(tokens, task.Name));
        return output.LocalMapLogits!.alias();
    }

    private void DecodeParsing(TaskSpec task, TaskOutput output, Tensor crops, List<int> order, List<PersonDraft> chunk)
    {
        long height = crops.shape[2], width = crops.shape[3];
        // Masks up to the crop size, then sigmoid(class) x sigmoid(mask), then the best class per pixel.
        var masks = nn.functional.interpolate(output.LocalMapLogits!.to(ScalarType.Float32), size: [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        var probability = sigmoid(output.GlobalLogits!.to(ScalarType.Float32)).unsqueeze(-1).unsqueeze(-1) * sigmoid(masks);
        byte[] labels = probability.argmax(1).to(ScalarType.Byte).cpu().data<byte>().ToArray();
        byte[] rgb = crops.clamp(0, 255).round().to(ScalarType.Byte).permute(0, 2, 3, 1).contiguous().cpu().data<byte>().ToArray();
        int pixels = (int)(height * width);
        for (int k = 0; k < order.Count; k++)
            chunk[order[k]].Parsing = TaskDecoders.Parsing(labels.AsSpan(k * pixels, pixels), rgb.AsSpan(k * pixels * 3, pixels * 3), task.Labels);
    }

    // task: the task whose encoder reads the images (its own, or the shared one when it has none); null: the shared one.
    private Tensor Encode(Tensor images, string? task = null)
    {
        Interlocked.Increment(ref _encoderPasses);
        return task is null ? _model.Encode(images) : _model.Encode(images, task);
    }

    private CropSize InputSize(TaskType type) => type switch
    {
        TaskType.Pose => Options.PoseInput,
        TaskType.Attributes => Options.AttributeInput,
        TaskType.Parsing => Options.ParsingInput,
        TaskType.ReId or TaskType.ClothChangingReId => Options.ReIdInput,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a crop task."),
    };

    private static float[] ToArray(Tensor t) => t.to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _model.Dispose();
    }

    private sealed record CropGroup(CropSize Size, List<TaskSpec> Tasks);

    /// <summary>A person's results as the tasks fill them in.</summary>
    private sealed class PersonDraft(int frame, int index, Detection detection)
    {
        public int Frame { get; } = frame;

        public int Index { get; } = index;

        public Detection Detection { get; } = detection;

        public Keypoint[]? Keypoints { get; set; }

        public ParsingSummary? Parsing { get; set; }

        public AttributeProbability[]? Attributes { get; set; }

        public float[]? Embedding { get; set; }

        public PersonObservation ToObservation() =>
            new(Index, Detection.Box, Detection.Score, Keypoints, Parsing, Attributes, Embedding ?? ReadOnlyMemory<float>.Empty);
    }
}
