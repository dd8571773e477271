using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace UniHCP.Pipeline.Inference.Model.Nn;

/// <summary>
/// The task-guided decoder and interpreter (state-dict prefix "decoder_module.predictor."): task
/// queries attend to the visual tokens through <see cref="DecoderConfig.Layers"/> layers of
/// cross-attention, self-attention and FFN; the interpreter then reads each query independently
/// into the output units its task's gate asks for.
/// </summary>
internal sealed class QueryDecoder : Module
{
    private readonly Sequential input_proj;
    private readonly Embedding level_embed;
    private readonly Sequential adapt_pos2d;
    private readonly ModuleList<CrossAttentionLayer> transformer_cross_attention_layers;
    private readonly ModuleList<SelfAttentionLayer> transformer_self_attention_layers;
    private readonly ModuleList<FfnLayer> transformer_ffn_layers;
    private readonly LayerNorm decoder_norm;
    private readonly Linear class_embed;
    private readonly Mlp3 mask_embed;
    private readonly DecoderConfig _config;

    public QueryDecoder(int encoderDim, DecoderConfig config) : base(nameof(QueryDecoder))
    {
        _config = config;
        int h = config.Hidden;
        input_proj = Sequential(Conv2d(encoderDim, h, kernel_size: 1));
        level_embed = Embedding(1, h);
        adapt_pos2d = Sequential(Linear(h, h), ReLU(), Linear(h, h));
        transformer_cross_attention_layers = new ModuleList<CrossAttentionLayer>(Enumerable.Range(0, config.Layers).Select(_ => new CrossAttentionLayer(config)).ToArray());
        transformer_self_attention_layers = new ModuleList<SelfAttentionLayer>(Enumerable.Range(0, config.Layers).Select(_ => new SelfAttentionLayer(config)).ToArray());
        transformer_ffn_layers = new ModuleList<FfnLayer>(Enumerable.Range(0, config.Layers).Select(_ => new FfnLayer(config)).ToArray());
        decoder_norm = LayerNorm(h);
        class_embed = Linear(h, 1);
        mask_embed = new Mlp3(h, h, h);
        // Untrained models start with a 1 % prior on every global probability (DETR practice), so that
        // the focal loss of the many unmatched queries does not swamp the first steps.
        using (no_grad())
            class_embed.bias!.fill_(-Math.Log((1 - 0.01) / 0.01));
        RegisterComponents();
    }

    /// <summary>
    /// Strength of a training-only spatial prior on detection cross-attention (0, the default, is the
    /// published decoder): each query's attention logits get -strength * (dx^2 / 2 sx^2 + dy^2 / 2 sy^2)
    /// for a token at (dx, dy) from the query's anchor point. A fresh DETR-style head first has to learn
    /// that a query should look near its anchor, and spends thousands of steps predicting the mean box
    /// meanwhile; the prior gives it that locality at once (the idea of SMCA's Gaussian-modulated
    /// co-attention) and the trainer fades it to 0, so the trained model needs no prior at inference.
    /// </summary>
    public double AnchorAttentionPrior { get; set; }

    // Widths of the prior in fractions of the image: about a pedestrian's half-width and half-height.
    private const double PriorSigmaX = 0.08, PriorSigmaY = 0.16;

    /// <summary>
    /// Runs the task's queries against the encoder tokens. Returns the raw query states [B, Q, hidden]
    /// after the last layer, or after every layer (oldest first) when <paramref name="allLayers"/>.
    /// </summary>
    public List<Tensor> Decode(TaskQueries task, Tensor tokens, bool allLayers)
    {
        using var scope = NewDisposeScope();
        long b = tokens.shape[0], h = tokens.shape[2], w = tokens.shape[3];
        var memory = input_proj.call(tokens).flatten(2).transpose(1, 2) + level_embed.weight!;
        // Key positions depend only on the grid: computed for one image, broadcast over the batch.
        var keyPos = adapt_pos2d.call(SinePosition.Embed(SinePosition.GridCentres(h, w, tokens.device), _config.Hidden).to(memory.dtype)).unsqueeze(0);
        var (tgt, queryPos) = InitialQueries(task, b);
        var prior = task.Spec.Type == TaskType.Detection && AnchorAttentionPrior > 0 ? AnchorPrior(task, h, w, tokens.device) : null;

        var states = new List<Tensor>();
        for (int layer = 0; layer < _config.Layers; layer++)
        {
            tgt = transformer_cross_attention_layers[layer].Attend(tgt, memory, queryPos, keyPos, prior);
            tgt = transformer_self_attention_layers[layer].call(tgt, queryPos);
            tgt = transformer_ffn_layers[layer].call(tgt);
            if (allLayers || layer == _config.Layers - 1)
                states.Add(tgt);
        }
        foreach (var state in states)
            state.MoveToOuterDisposeScope();
        return states;
    }

    /// <summary>The prior's attention-logit bias [1, 1, Q, h*w] (see <see cref="AnchorAttentionPrior"/>).</summary>
    private Tensor AnchorPrior(TaskQueries task, long h, long w, Device device)
    {
        var anchors = task.PositionWeight.detach().to(ScalarType.Float32).repeat(task.Spec.ContentQueries, 1); // [Q, 2] (x, y)
        var keys = SinePosition.GridCentres(h, w, device);                                                      // [K, 2] (x, y)
        var dx = anchors[.., 0].unsqueeze(1) - keys[.., 0].unsqueeze(0);
        var dy = anchors[.., 1].unsqueeze(1) - keys[.., 1].unsqueeze(0);
        var logits = (dx.square() / (2 * PriorSigmaX * PriorSigmaX)) + (dy.square() / (2 * PriorSigmaY * PriorSigmaY));
        return (logits * -AnchorAttentionPrior).unsqueeze(0).unsqueeze(0);
    }

    /// <summary>Content [B, Q, hidden] and positional [1, Q, hidden] queries of a task. Detection
    /// query i combines content i / anchors with anchor i % anchors.</summary>
    private (Tensor Content, Tensor Position) InitialQueries(TaskQueries task, long batch)
    {
        var spec = task.Spec;
        Tensor content, position;
        if (spec.Type == TaskType.Detection)
        {
            content = task.ContentWeight.repeat_interleave(spec.PositionQueries, dim: 0);
            position = AnchorPositions(task).repeat(spec.ContentQueries, 1);
        }
        else
        {
            content = task.ContentWeight;
            position = task.PositionWeight;
        }
        return (content.unsqueeze(0).expand(batch, -1, -1), position.unsqueeze(0));
    }

    // The sine embedding is computed in float32 and handed to the network in its own precision.
    private Tensor AnchorPositions(TaskQueries task) =>
        adapt_pos2d.call(SinePosition.Embed(task.PositionWeight, _config.Hidden).to(task.PositionWeight.dtype));

    /// <summary>Global probability logits [B, Q] (sigmoid gives the probability).</summary>
    public Tensor GlobalLogits(Tensor state)
    {
        using var scope = NewDisposeScope();
        return class_embed.call(decoder_norm.call(state)).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Local map logits [B, Q, H/4, W/4]: each query's kernel (mask_embed) as a 1x1 dynamic convolution over the mask features.</summary>
    public Tensor LocalMapLogits(Tensor state, Tensor maskFeatures)
    {
        using var scope = NewDisposeScope();
        var kernels = mask_embed.call(decoder_norm.call(state));
        return einsum("bqc,bchw->bqhw", kernels, maskFeatures).MoveToOuterDisposeScope();
    }

    /// <summary>Boxes [B, Q, 4] as normalised (cx, cy, w, h): the box head's output plus the fixed
    /// anchor reference (inverse sigmoid of the anchor on cx and cy), through a sigmoid.</summary>
    public Tensor Boxes(Tensor state, TaskQueries task)
    {
        using var scope = NewDisposeScope();
        var spec = task.Spec;
        var anchors = InverseSigmoid(task.PositionWeight).repeat(spec.ContentQueries, 1);
        var reference = cat([anchors, zeros_like(anchors)], -1);
        return sigmoid(task.BoxHead.call(decoder_norm.call(state)) + reference).MoveToOuterDisposeScope();
    }

    /// <summary>The feature unit: the raw query states (no decoder_norm) concatenated, [B, Q * hidden].</summary>
    public static Tensor Features(Tensor state) => state.flatten(1);

    private static Tensor InverseSigmoid(Tensor x, double eps = 1e-5)
    {
        var clamped = x.clamp(0, 1);
        return log(clamped.clamp(min: eps) / (1 - clamped).clamp(min: eps));
    }
}

/// <summary>"decoder_module": holds the predictor (the official code's nesting, kept for the key names).</summary>
internal sealed class DecoderModule : Module
{
    private readonly QueryDecoder predictor;

    public DecoderModule(int encoderDim, DecoderConfig config) : base(nameof(DecoderModule))
    {
        predictor = new QueryDecoder(encoderDim, config);
        RegisterComponents();
    }

    public QueryDecoder Predictor => predictor;
}
