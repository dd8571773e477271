using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// One task's own parameters (state-dict prefix "tasks.&lt;name&gt;."): content queries "query_feat",
/// positional queries "query_embed" and, for detection, the box head "bbox_embed". In an official
/// per-task checkpoint these are "decoder_module.predictor.query_feat" etc. A task with its own encoder
/// (<see cref="TaskSpec.OwnEncoder"/>) also holds it here, as "backbone_module.*", and when that encoder has a stride of
/// its own (<see cref="TaskSpec.OwnEncoderStride"/>) a mask neck for it, as "neck_module.*".
/// </summary>
internal sealed class TaskQueries : Module
{
    private readonly Embedding query_feat;
    private readonly Embedding query_embed;
    private readonly Mlp3? bbox_embed;
    private readonly EncoderModule? backbone_module;
    private readonly MaskNeck? neck_module;

    public TaskQueries(TaskSpec spec, int hidden, EncoderModule? ownEncoder = null, MaskNeck? ownNeck = null) : base(nameof(TaskQueries))
    {
        if (spec.OwnEncoder != ownEncoder is not null)
            throw new ArgumentException($"Task '{spec.Name}': an own encoder is given exactly when the task has one.");
        if (ownNeck is not null && ownEncoder is null)
            throw new ArgumentException($"Task '{spec.Name}': a mask neck of its own needs an encoder of its own.");
        Spec = spec;
        backbone_module = ownEncoder;
        neck_module = ownNeck;
        query_feat = Embedding(spec.ContentQueries, hidden);
        query_embed = Embedding(spec.PositionQueries, spec.PositionWidth(hidden));
        if (spec.Type == TaskType.Detection)
        {
            bbox_embed = new Mlp3(hidden, hidden, 4);
            // Anchor points start spread over the image, as learned anchors are initialised; the box
            // head starts at zero, so a first box sits on its anchor (Deformable DETR practice).
            using (no_grad())
            {
                init.uniform_(query_embed.weight!, 0, 1);
                bbox_embed.ZeroLastLayer();
            }
        }
        RegisterComponents();
    }

    public TaskSpec Spec { get; }

    public Tensor ContentWeight => query_feat.weight!;

    public Tensor PositionWeight => query_embed.weight!;

    /// <summary>The task's own encoder, or null when it reads the shared one.</summary>
    public EncoderModule? OwnEncoder => backbone_module;

    /// <summary>The task's own mask neck (its own encoder has a stride of its own), or null when it uses the shared one.</summary>
    public MaskNeck? OwnNeck => neck_module;

    public Mlp3 BoxHead => bbox_embed ?? throw new InvalidOperationException($"Task '{Spec.Name}' has no box head.");
}
