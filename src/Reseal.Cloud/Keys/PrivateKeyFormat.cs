namespace Reseal.Cloud.Keys;

/// <summary>The container a private key was read from.</summary>
public enum PrivateKeyFormat
{
    /// <summary>PEM <c>-----BEGIN RSA PRIVATE KEY-----</c> (PKCS#1 RSAPrivateKey; <c>ssh-keygen -m PEM</c>, EC2 downloads).</summary>
    Pkcs1Pem,

    /// <summary>PEM <c>-----BEGIN PRIVATE KEY-----</c> (unencrypted PKCS#8; <c>openssl genpkey</c>, <c>ssh-keygen -m PKCS8</c>).</summary>
    Pkcs8Pem,

    /// <summary><c>-----BEGIN OPENSSH PRIVATE KEY-----</c> (openssh-key-v1; ssh-keygen's default).</summary>
    OpenSsh,
}
