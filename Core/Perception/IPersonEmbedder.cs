namespace UniHCP.Pipeline.Core.Perception;

/// <summary>
/// Turns an example image of one person (a crop) into a ReID embedding comparable with the stored
/// tracks' embeddings: the seam between the query API (search by example) and the model.
/// </summary>
public interface IPersonEmbedder
{
    /// <summary>The weights version whose embedding space this is.</summary>
    string ModelVersion { get; }

    /// <summary>Embeds the encoded image (JPEG, PNG, ...); throws <see cref="ImageRejectedException"/> when it is not a usable image.</summary>
    Task<float[]> EmbedAsync(ReadOnlyMemory<byte> encodedImage, CancellationToken cancellationToken = default);
}

/// <summary>An uploaded image cannot be used; the message says why.</summary>
public sealed class ImageRejectedException(string message, Exception? inner = null) : Exception(message, inner);
