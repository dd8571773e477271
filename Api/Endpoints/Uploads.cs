using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace UniHCP.Pipeline.Api.Endpoints;

/// <summary>Reads an uploaded image with a size limit and a check of its first bytes (the declared content type is not trusted).</summary>
internal static class Uploads
{
    public sealed record Upload(byte[] Bytes, IResult? Problem);

    public static async Task<Upload> ReadImageAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes + 64 * 1024)
            return Fail(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the upload is {request.ContentLength:N0} bytes; at most {maxBytes:N0} are accepted.");
        if (!request.HasFormContentType)
            return Fail(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "send the image as multipart/form-data in a field named 'image'.");
        // Bound the whole body (the form's framing included), then the file itself.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = maxBytes + 64 * 1024;
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = maxBytes + 64 * 1024, ValueCountLimit = 16 }, cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Fail(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"at most {maxBytes:N0} bytes are accepted.");
        }
        catch (InvalidDataException ex)
        {
            return Fail(StatusCodes.Status400BadRequest, "Bad upload", $"the multipart body is malformed or too large: {ex.Message}");
        }
        var file = form.Files.GetFile("image");
        if (file is null)
            return Fail(StatusCodes.Status400BadRequest, "Bad upload", "no file in a form field named 'image'.");
        if (file.Length > maxBytes)
            return Fail(StatusCodes.Status413PayloadTooLarge, "Upload too large", $"the image is {file.Length:N0} bytes; at most {maxBytes:N0} are accepted.");
        if (file.Length == 0)
            return Fail(StatusCodes.Status400BadRequest, "Bad upload", "the image is empty.");
        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
            await stream.ReadExactlyAsync(bytes, cancellationToken);
        if (!LooksLikeImage(bytes))
            return Fail(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"'{Store.Queries.QueryValidationException.Shorten(file.FileName)}' is not a JPEG, PNG, BMP, GIF or WebP image.");
        return new Upload(bytes, null);
    }

    /// <summary>Magic numbers of the formats the decoder takes.</summary>
    public static bool LooksLikeImage(ReadOnlySpan<byte> b) =>
        (b.Length >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        || b.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])
        || b.StartsWith("GIF8"u8)
        || (b.Length >= 14 && b.StartsWith("BM"u8))
        || (b.Length >= 12 && b.StartsWith("RIFF"u8) && b[8..12].SequenceEqual("WEBP"u8));

    private static Upload Fail(int status, string title, string detail) => new([], Problems.Status(status, title, detail));
}
