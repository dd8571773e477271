using TorchSharp;
using TorchSharp.Modules;
using UniHCP.Pipeline.Inference.Model.Nn;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model;

/// <summary>
/// The UniHCP network: a ViT encoder, the stride-4 neck, the task-query decoder and interpreter
/// shared by every task, and each task's own queries. State-dict keys are the official ones
/// ("backbone_module.*", "neck_module.*", "decoder_module.predictor.*"); each task's parameters
/// live under "tasks.&lt;name&gt;." (official per-task checkpoints hold them under the predictor). In the ResNet-18 CPU
/// configurations a person task may have its own encoder (<see cref="TaskSpec.OwnEncoder"/>), under
/// "tasks.&lt;name&gt;.backbone_module.": it then reads crops through that copy and nothing else changes.
/// </summary>
public sealed class UniHcpModel : Module
{
    private readonly EncoderModule backbone_module;
    private readonly MaskNeck neck_module;
    private readonly DecoderModule decoder_module;
    private readonly NamedModules<TaskQueries> tasks;

    public UniHcpModel(ModelConfig config, TaskRegistry registry, double dropPathRate = 0) : base(nameof(UniHcpModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(registry);
        config.Validate();
        Config = config;
        Tasks = registry;
        DropPathRate = dropPathRate;
        backbone_module = config.Encoder.Kind == EncoderKind.ResNet18
            ? new ResNetEncoder(config.Encoder)
            : new VisionTransformer(config.Encoder, dropPathRate);
        neck_module = new MaskNeck(config.Encoder.EmbedDim, config.Decoder.Hidden, backbone_module.Stride);
        decoder_module = new DecoderModule(config.Encoder.EmbedDim, config.Decoder);
        if (config.Encoder.Kind != EncoderKind.ResNet18 && registry.Tasks.FirstOrDefault(t => t.OwnEncoder) is { } owner)
            throw new ArgumentException($"Task '{owner.Name}' has its own encoder, which only the ResNet-18 configurations offer; the {config.Name} configuration (the published layout) shares one encoder among all tasks.");
        tasks = new NamedModules<TaskQueries>(registry.Tasks.Select(task =>
            (task.Name, NewTaskQueries(task, config, backbone_module.Stride))));
        RegisterComponents();
    }

    // A task's queries, with its own encoder where it has one - of the shared shape, or of its own stride with a mask
    // neck made for that stride (the shared neck expects the shared encoder's tokens).
    private static TaskQueries NewTaskQueries(TaskSpec task, ModelConfig config, int sharedStride)
    {
        if (!task.OwnEncoder)
            return new TaskQueries(task, config.Decoder.Hidden);
        int stride = task.OwnEncoderStride ?? sharedStride;
        var encoder = new ResNetEncoder(config.Encoder with { PatchSize = stride });
        var neck = stride == sharedStride ? null : new MaskNeck(config.Encoder.EmbedDim, config.Decoder.Hidden, stride);
        return new TaskQueries(task, config.Decoder.Hidden, encoder, neck);
    }

    public ModelConfig Config { get; }

    public TaskRegistry Tasks { get; }

    /// <summary>Stochastic depth of the ViT encoder's blocks in training (0: none).</summary>
    public double DropPathRate { get; }

    /// <summary>The encoder's token stride in pixels.</summary>
    public int Stride => backbone_module.Stride;

    /// <summary>Encoder tokens [B, C, ceil(H/16), ceil(W/16)] of RGB images [B, 3, H, W] in 0..255;
    /// sizes that are not multiples of the stride are padded right and bottom after normalisation.</summary>
    public Tensor Encode(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] < 1 || images.shape[3] < 1)
            throw new ArgumentException($"Images must be [B, 3, H, W]; got [{string.Join(", ", images.shape)}].");
        return backbone_module.call(images);
    }

    /// <summary>Encoder tokens of images for <paramref name="task"/>: through its own encoder when it has one
    /// (<see cref="HasOwnEncoder"/>), else the shared one (<see cref="Encode(Tensor)"/>).</summary>
    public Tensor Encode(Tensor images, string task)
    {
        if (Queries(task).OwnEncoder is not { } own)
            return Encode(images);
        if (images.dim() != 4 || images.shape[1] != 3 || images.shape[2] < 1 || images.shape[3] < 1)
            throw new ArgumentException($"Images must be [B, 3, H, W]; got [{string.Join(", ", images.shape)}].");
        return own.call(images);
    }

    /// <summary>Whether <paramref name="task"/> reads images through an encoder of its own.</summary>
    public bool HasOwnEncoder(string task) => Queries(task).OwnEncoder is not null;

    /// <summary>The encoder's normalisation and padding alone: for batches of images of different
    /// sizes, normalise each, pad them to one size with zeros (normalised units), then
    /// <see cref="EncodeNormalized"/>.</summary>
    public Tensor NormalizeImages(Tensor images) => backbone_module.Normalize(images);

    /// <summary>Encoder tokens of already normalised images (see <see cref="NormalizeImages"/>).</summary>
    public Tensor EncodeNormalized(Tensor normalized) => backbone_module.Tokens(normalized);

    /// <summary>Parameter names' prefixes (under "backbone_module.") of the encoder's separable pretrained trunk; empty when it has none.</summary>
    public IReadOnlyList<string> TrunkParts => backbone_module.TrunkParts;

    /// <summary>Parameter names' prefixes (under "backbone_module.") of the trunk's last block, which a training run
    /// may fine-tune while caching the rest of the trunk; empty when the encoder has no separable trunk.</summary>
    public IReadOnlyList<string> TrunkTailParts => backbone_module.TrunkTailParts;

    /// <summary>The trunk's parts a training run freezes: all of <see cref="TrunkParts"/>, or with
    /// <paramref name="tuneTail"/> all but <see cref="TrunkTailParts"/>.</summary>
    public IReadOnlyList<string> FrozenTrunkParts(bool tuneTail) =>
        !tuneTail ? TrunkParts
        : TrunkTailParts.Count > 0 ? backbone_module.TrunkPartsBeforeTail
        : throw new ArgumentException($"The {Config.Name} configuration has no separable trunk whose last block could learn (r18-s16 has).");

    /// <summary>The encoder's pretrained trunk on normalised images: cacheable when the trunk is frozen. With
    /// <paramref name="beforeTail"/>, the output before <see cref="TrunkTailParts"/> (cacheable while the tail learns).</summary>
    public Tensor EncodeTrunk(Tensor normalized, bool beforeTail = false) => backbone_module.Trunk(normalized, beforeTail);

    /// <summary>Encoder tokens from <see cref="EncodeTrunk"/>'s output (equal to <see cref="EncodeNormalized"/> of the same
    /// input); <paramref name="throughTail"/> when that output was taken before the tail.</summary>
    public Tensor EncodeFromTrunk(Tensor trunk, bool throughTail = false) => backbone_module.TokensFromTrunk(trunk, throughTail);

    /// <summary>Training-only spatial prior on detection cross-attention (0: off, the published decoder; see
    /// QueryDecoder.AnchorAttentionPrior). Not saved with the weights; inference never sets it.</summary>
    public double DetectionAttentionPrior
    {
        get => decoder_module.Predictor.AnchorAttentionPrior;
        set => decoder_module.Predictor.AnchorAttentionPrior = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "The attention prior's strength must be finite and not negative.");
    }

    /// <summary>The multiple of pixels inputs are padded to.</summary>
    public int PadMultiple => backbone_module.PadMultiple;

    /// <summary>Padded over unpadded size, per axis, of an image of <paramref name="width"/> x
    /// <paramref name="height"/>: boxes are predicted as fractions of the padded canvas.</summary>
    public (float X, float Y) CanvasScale(int width, int height)
    {
        int multiple = PadMultiple;
        return ((float)((width + multiple - 1) / multiple * multiple) / width, (float)((height + multiple - 1) / multiple * multiple) / height);
    }

    /// <summary>The neck's mask features [B, hidden, H/4, W/4] from encoder tokens.</summary>
    public Tensor MaskFeatures(Tensor tokens) => neck_module.call(tokens);

    /// <summary>Mask features of tokens <paramref name="task"/> read (<see cref="Encode(Tensor, string)"/>): through the
    /// task's own neck when its own encoder has a stride of its own, else the shared neck.</summary>
    public Tensor MaskFeatures(Tensor tokens, string task) => (Queries(task).OwnNeck ?? neck_module).call(tokens);

    /// <summary>
    /// Runs one task on encoder tokens (shared by every task that reads the same input) and
    /// returns the units of the task's gate. <paramref name="maskFeatures"/> is needed only by
    /// tasks with a local map (pass null otherwise, and the neck is not run).
    /// </summary>
    public TaskOutput Run(string task, Tensor tokens, Tensor? maskFeatures = null)
    {
        var queries = Queries(task);
        var units = queries.Spec.Type.Units();
        if ((units & OutputUnits.LocalMap) != 0 && maskFeatures is null)
            throw new ArgumentException($"Task '{task}' needs the mask features (MaskFeatures of the same tokens).");
        using var scope = NewDisposeScope();
        var predictor = decoder_module.Predictor;
        var state = predictor.Decode(queries, tokens, allLayers: false)[^1];
        return new TaskOutput
        {
            Features = (units & OutputUnits.Feature) != 0 ? QueryDecoder.Features(state) : null,
            GlobalLogits = (units & OutputUnits.GlobalProbability) != 0 ? predictor.GlobalLogits(state) : null,
            LocalMapLogits = (units & OutputUnits.LocalMap) != 0 ? predictor.LocalMapLogits(state, maskFeatures!) : null,
            Boxes = (units & OutputUnits.Box) != 0 ? predictor.Boxes(state, queries) : null,
        }.MoveToOuterDisposeScope();
    }

    /// <summary>The task's units after every decoder layer, first to last: training supervises them all.</summary>
    public IReadOnlyList<TaskOutput> RunAllLayers(string task, Tensor tokens, Tensor? maskFeatures = null)
    {
        var queries = Queries(task);
        var units = queries.Spec.Type.Units();
        if ((units & OutputUnits.LocalMap) != 0 && maskFeatures is null)
            throw new ArgumentException($"Task '{task}' needs the mask features (MaskFeatures of the same tokens).");
        using var scope = NewDisposeScope();
        var predictor = decoder_module.Predictor;
        var outputs = new List<TaskOutput>();
        foreach (var state in predictor.Decode(queries, tokens, allLayers: true))
        {
            outputs.Add(new TaskOutput
            {
                Features = (units & OutputUnits.Feature) != 0 ? QueryDecoder.Features(state) : null,
                GlobalLogits = (units & OutputUnits.GlobalProbability) != 0 ? predictor.GlobalLogits(state) : null,
                LocalMapLogits = (units & OutputUnits.LocalMap) != 0 ? predictor.LocalMapLogits(state, maskFeatures!) : null,
                Boxes = (units & OutputUnits.Box) != 0 ? predictor.Boxes(state, queries) : null,
            }.MoveToOuterDisposeScope());
        }
        return outputs;
    }

    /// <summary>Encoder, neck when needed, then the task: for one-off calls; batch work shares the encoder pass.</summary>
    public TaskOutput Forward(string task, Tensor images)
    {
        using var scope = NewDisposeScope();
        var tokens = Encode(images, task);
        var maskFeatures = Queries(task).Spec.Type.NeedsMaskFeatures() ? MaskFeatures(tokens, task) : null;
        return Run(task, tokens, maskFeatures).MoveToOuterDisposeScope();
    }

    internal TaskQueries Queries(string task) =>
        tasks.TryGet(task, out var queries)
            ? queries
            : throw new KeyNotFoundException($"This model has no task '{task}'; it has: {string.Join(", ", Tasks.Tasks.Select(t => t.Name))}.");

    internal QueryDecoder Predictor => decoder_module.Predictor;

    /// <summary>
    /// Makes this model faster to run and unfit for anything else: folds the encoder's frozen batch norms
    /// into its convolutions (in float32), converts to <paramref name="dtype"/>, then stores convolution
    /// weights channels-last. The outputs equal the plain model's up to rounding; the state dict gains
    /// convolution biases, so the model must not be saved, trained or loaded into afterwards (the
    /// inference engine owns such a model). Measured on 768x576 frames (2 AVX-512 BF16 cores, bf16):
    /// ResNet trunk 141 -> 92 ms per frame from the layout alone.
    /// </summary>
    public void PrepareForInference(ScalarType dtype)
    {
        eval();
        var encoders = tasks.Values.Select(t => t.OwnEncoder).OfType<EncoderModule>().Prepend(backbone_module).ToList();
        foreach (var encoder in encoders)
            encoder.FoldNormalisation();
        this.to(dtype);
        foreach (var encoder in encoders)
            encoder.UseChannelsLastConvolutions();
    }

    internal EncoderModule Backbone => backbone_module;

    /// <summary>The encoder <paramref name="task"/> reads images through.</summary>
    internal EncoderModule EncoderOf(string task) => Queries(task).OwnEncoder ?? backbone_module;
}
